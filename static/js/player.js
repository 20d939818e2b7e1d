// The guided player. Phases are scheduled against one monotonic clock (performance.now):
// each boundary is computed from the start time, never by adding up timeouts, so a five
// minute exercise ends within a fraction of a second of five minutes.
import { newUuid, submit } from "./outbox.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
// The last length and cues chosen, offered again next time. Only these choices: never a
// rating, never which exercise.
const CHOICES_KEY = "tend.player.choices";

function savedChoices() {
  try { return JSON.parse(localStorage.getItem(CHOICES_KEY)) || {}; } catch (error) { return {}; }
}

function rememberChoices(choices) {
  try { localStorage.setItem(CHOICES_KEY, JSON.stringify(choices)); } catch (error) { /* private mode */ }
}

function formatTime(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

function softTone(context) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "sine";
  oscillator.frequency.value = 396;
  gain.gain.setValueAtTime(0.0001, context.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.08, context.currentTime + 0.05);
  gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.6);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start();
  oscillator.stop(context.currentTime + 0.65);
}

export function mount(root) {
  if (root.dataset.mounted) return;
  root.dataset.mounted = "true";
  const data = JSON.parse(root.dataset.player);
  const $ = (selector) => root.querySelector(selector);
  const setup = $("[data-player-setup]");
  const stage = $("[data-player-stage]");
  const after = $("[data-player-after]");
  const pacer = $("[data-pacer]");
  const count = $("[data-count]");
  const phaseText = $("[data-phase-text]");
  const progress = $("[data-progress]");
  const status = $("[data-save-status]");
  let audio = null;
  let wakeLock = null;
  let run = null;

  root.hidden = false;
  root.dataset.state = "ready";
  root.dataset.reducedMotion = String(reducedMotion.matches);

  // A link may ask for a length and an immediate start (Settle's one-tap breath); otherwise
  // the last choices made on this device come back.
  const asked = new URLSearchParams(window.location.search);
  const remembered = savedChoices();
  const wanted = asked.get("minutes") || remembered.minutes;
  const option = wanted && root.querySelector(`input[name="minutes"][value="${CSS.escape(String(wanted))}"]`);
  if (option) option.checked = true;
  for (const cue of ["sound", "vibrate"]) {
    if (remembered[cue]) root.querySelector(`[data-option="${cue}"]`).checked = true;
  }

  function ratingValue(name) {
    const chosen = root.querySelector(`[data-rating="${name}"] [data-rating-input]:checked`);
    return chosen ? chosen.value : "";
  }

  async function keepAwake() {
    try {
      if ("wakeLock" in navigator) wakeLock = await navigator.wakeLock.request("screen");
    } catch (error) { wakeLock = null; }
  }

  function releaseWake() {
    if (wakeLock) wakeLock.release().catch(() => {});
    wakeLock = null;
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && run && !run.pausedAt && !run.done) keepAwake();
  });

  function elapsedSeconds(now = performance.now()) {
    const pausedNow = run.pausedAt ? now - run.pausedAt : 0;
    return (now - run.startedAt - run.pausedTotal - pausedNow) / 1000;
  }

  function enterSegment(index) {
    const [part, start, end] = run.segments[index];
    const spec = data.parts[part];
    root.dataset.segment = String(index);
    root.dataset.phase = String(part);
    root.dataset.motion = spec.motion;
    phaseText.textContent = spec.text;
    if (!reducedMotion.matches) {
      pacer.style.transitionDuration = `${end - start}s`;
    }
    pacer.dataset.motion = spec.motion;
    if (index > 0) {
      if (run.sound) softTone(audio);
      if (run.vibrate && navigator.vibrate) navigator.vibrate(40);
    }
  }

  function tick() {
    if (!run || run.pausedAt || run.done) return;
    const now = performance.now();
    const elapsed = elapsedSeconds(now);
    if (elapsed >= run.total) { finish(false); return; }
    while (run.index < run.segments.length - 1 && elapsed >= run.segments[run.index][2]) {
      run.index += 1;
      run.entered = -1;
    }
    if (run.entered !== run.index) { enterSegment(run.index); run.entered = run.index; }
    const segmentEnd = run.segments[run.index][2];
    count.textContent = String(Math.max(1, Math.ceil(segmentEnd - elapsed - 1e-6)));
    progress.textContent = data.strings.remaining.replace("%(time)s", formatTime(run.total - elapsed));
    // Wake at the next whole second of the segment or at its end, whichever comes first.
    const untilEnd = segmentEnd - elapsed;
    const untilSecond = untilEnd - Math.floor(untilEnd - 1e-6);
    const wait = Math.min(untilEnd, untilSecond > 0.001 ? untilSecond : 1);
    clearTimeout(run.timer);
    run.timer = setTimeout(tick, Math.max(0, wait * 1000));
  }

  function start() {
    const chosen = root.querySelector('input[name="minutes"]:checked');
    const minutes = chosen ? chosen.value : Object.keys(data.timelines)[0];
    const segments = data.timelines[minutes];
    run = {
      minutes, segments, total: segments[segments.length - 1][2], index: 0, entered: -1,
      startedAt: performance.now(), pausedTotal: 0, pausedAt: null, done: false, timer: null,
      uuid: newUuid(),
      sound: root.querySelector('[data-option="sound"]').checked,
      vibrate: root.querySelector('[data-option="vibrate"]').checked,
    };
    if (run.sound && !audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    rememberChoices({ minutes, sound: run.sound, vibrate: run.vibrate });
    setup.hidden = true;
    after.hidden = true;
    stage.hidden = false;
    // The stage fills the screen under the header (CSS, from data-state): nothing to scroll
    // to, so focus moves without scrolling the circle out of sight.
    root.dataset.state = "running";
    $('[data-action="pause"]').hidden = false;
    $('[data-action="resume"]').hidden = true;
    keepAwake();
    tick();
    $('[data-action="pause"]').focus({ preventScroll: true });
  }

  function pause() {
    if (!run || run.pausedAt) return;
    run.pausedAt = performance.now();
    clearTimeout(run.timer);
    root.dataset.state = "paused";
    phaseText.textContent = data.strings.paused;
    $('[data-action="pause"]').hidden = true;
    $('[data-action="resume"]').hidden = false;
    $('[data-action="resume"]').focus({ preventScroll: true });
    releaseWake();
  }

  function resume() {
    if (!run || !run.pausedAt) return;
    run.pausedTotal += performance.now() - run.pausedAt;
    run.pausedAt = null;
    run.entered = -1;
    root.dataset.state = "running";
    $('[data-action="pause"]').hidden = false;
    $('[data-action="resume"]').hidden = true;
    $('[data-action="pause"]').focus({ preventScroll: true });
    keepAwake();
    tick();
  }

  function finish(stoppedEarly) {
    if (!run || run.done) return;
    run.completed = Math.min(run.total, elapsedSeconds());
    run.done = true;
    clearTimeout(run.timer);
    releaseWake();
    root.dataset.state = stoppedEarly ? "stopped" : "finished";
    phaseText.textContent = data.strings.finished;
    pacer.dataset.motion = "still";
    stage.hidden = true;
    after.hidden = false;
    status.textContent = "";
    root.scrollIntoView({ block: "start" });
    root.querySelector("[data-after-heading]").focus({ preventScroll: true });
  }

  async function save() {
    if (!run) return;
    status.textContent = data.strings.saving;
    const fields = {
      client_uuid: run.uuid, exercise_id: data.id, minutes: run.minutes,
      seconds_completed: String(Math.round(run.completed || 0)),
      before: ratingValue("before"), after: ratingValue("after"),
    };
    // Ratings hold no typed words: on a page opened without a connection (no key to seal
    // with) they may wait unsealed rather than be lost.
    const result = await submit(data.urls.save, fields, data.urls.session, { plain: true });
    const messages = {
      sent: (result.body && result.body.message) || data.strings.saved,
      queued: data.strings.queued,
      not_signed_in: data.strings.not_signed_in,
      shared_device: data.strings.shared_device,
      refused: (result.body && result.body.error) || data.strings.failed,
    };
    status.textContent = messages[result.state] || data.strings.failed;
    root.dataset.saveState = result.state;
  }

  // Begin submits the setup form: the script takes over (without it, the form reloads
  // the page at the chosen length's steps).
  setup.addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });

  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (!action || action.dataset.action === "start") return;
    const handlers = {
      pause, resume, stop: () => finish(true), save,
      again: () => { run = null; after.hidden = true; setup.hidden = false; root.dataset.state = "ready"; },
    };
    const handler = handlers[action.dataset.action];
    if (handler) handler();
  });

  if (asked.get("start") === "1") {
    // Once: a reload or Back lands on the setup, not on another automatic start.
    history.replaceState(history.state, "", window.location.pathname);
    start();
  }
}
