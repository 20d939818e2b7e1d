// The journal form: a live character count, and autosave (debounced, and when the page is
// hidden) so nothing typed is lost. Offline, the draft waits in the outbox and is sent when
// the network returns; the server keeps one entry per client UUID. Whatever the server
// refuses (a conflict, a validation error, a deleted entry) stays on the phone and is offered
// back here, and the status line always says what became of the text.
import { currentSession, forget, idle, keptRecords, newUuid, settle, signedOut, submit } from "./outbox.js";

const DEBOUNCE_MS = 1500;
const SAVE_WAIT_MS = 4000;

export function mount(form) {
  if (form.dataset.mounted) return;
  form.dataset.mounted = "true";
  const body = form.querySelector("textarea[name=body]");
  const counter = form.querySelector("[data-counter]");
  const status = form.querySelector("[data-autosave-status]");
  const version = form.querySelector("input[name=version]");
  const clientUuid = form.querySelector("input[name=client_uuid]");
  const max = Number(body.dataset.counterMax);
  const countTemplate = counter.dataset.counterTemplate;
  // Every message comes translated from the template; none is written here.
  const said = status.dataset;
  // This page's own key in the outbox: what the server refuses from it is kept under it, so
  // closing the page after a refusal loses nothing.
  const page = newUuid();
  const pageEntryId = form.dataset.entryId || "";
  const shared = document.body.hasAttribute("data-shared-device");
  let timer = null;
  let lastSent = null;
  let queued = null;
  // A Save of this page waits in the outbox: whatever this page sends after it is a Save too.
  let saveQueued = false;
  let edited = false;
  let chain = Promise.resolve();

  function say(message) {
    status.textContent = message || "";
  }

  // The version this page last saw: every write names it, so the journal form and the
  // "let these changes go" form both follow it.
  function seen(value) {
    version.value = value;
    for (const input of document.querySelectorAll("input[data-entry-version]")) input.value = value;
  }

  function updateCounter() {
    const length = body.value.length;
    const locale = document.documentElement.lang || undefined;
    counter.textContent = countTemplate.replace("{count}", length.toLocaleString(locale)).replace("{max}", max.toLocaleString(locale));
    counter.classList.toggle("counter--over", length > max);
  }

  function fields() {
    const data = new FormData(form);
    data.delete("csrf_token");
    const plain = new URLSearchParams();
    for (const [key, value] of data.entries()) plain.append(key, value);
    if (form.dataset.entryId) plain.set("entry_id", form.dataset.entryId);
    return plain;
  }

  // Put kept fields back into the form, as the person had them on this phone.
  function fill(pairs, skip) {
    const values = new Map();
    for (const [name, value] of pairs) {
      if (skip.includes(name)) continue;
      if (!values.has(name)) values.set(name, []);
      values.get(name).push(value);
    }
    for (const element of form.elements) {
      if (!element.name || element.name === "csrf_token" || skip.includes(element.name)) continue;
      const given = values.get(element.name) || [];
      if (element.type === "checkbox" || element.type === "radio") element.checked = given.includes(element.value);
      else if (element.type !== "submit" && element.type !== "button") element.value = given[0] ?? "";
    }
    updateCounter();
  }

  // Why a save was refused, in words the person can act on.
  function refusal(statusCode, answer) {
    const errors = (answer && answer.errors) || {};
    if (statusCode === 409 || (answer && answer.conflict)) return form.dataset.conflictText;
    if (statusCode === 404) return said.goneText;
    if (errors.sharing) return said.sharingText;
    if (errors.intensity) return said.intensityText;
    return said.refusedText;
  }

  function report(result) {
    const answer = result.body || {};
    if (result.state === "sent" && answer.saved) {
      seen(answer.version);
      form.dataset.entryId = answer.entry_id;
      say(form.dataset.savedText);
    } else if (result.state === "queued") {
      say(result.online ? said.retryText : form.dataset.queuedText);
    } else if (result.state === "refused") {
      say(refusal(result.status, answer));
    } else if (result.state === "shared_device") {
      say(result.online ? said.failedText : said.sharedOfflineText);
    } else if (result.state === "kept_signed_out") {
      say(said.signedOutKeptText);
    } else if (result.state === "not_signed_in") {
      say(said.signedOutText);
    } else {
      say(said.failedText);
    }
  }

  // `intent` "save": the person tapped Save; wherever this goes (the outbox, a replay), it
  // is saved as they meant it, finished and shared as they chose, never as a draft.
  async function run(force, intent) {
    if (!form.isConnected || !body.value.trim()) return null;
    if (body.value.length > max) {
      say(said.refusedText);
      return null;
    }
    const payload = fields();
    const typed = payload.toString();
    if (intent === "save") payload.set("intent", "save");
    const serialised = payload.toString();
    if (serialised === lastSent && !force) return null;
    lastSent = serialised;
    say(said.savingText);
    let result;
    try {
      result = await submit(form.dataset.autosaveUrl, [...payload.entries()], undefined, { page, keepSignedOut: true });
    } catch (error) {
      result = { state: "failed" };
    }
    // Nothing of this was kept anywhere: the next chance (a keystroke, leaving) tries again.
    if (["failed", "shared_device", "not_signed_in", "not_kept"].includes(result.state)) lastSent = null;
    if (result.state === "queued") {
      queued = typed;
      saveQueued = saveQueued || intent === "save";
    }
    report(result);
    return result;
  }

  // One save at a time, so each is sent with the version the one before it received.
  function save(force = false, intent = null) {
    clearTimeout(timer);
    chain = chain.then(() => run(force, intent)).catch(() => { say(said.failedText); return null; });
    return chain;
  }

  // The outbox replayed a record while this page is open (the network came back).
  window.addEventListener("tend:outbox", (event) => {
    if (!form.isConnected) return;
    const detail = event.detail || {};
    if (detail.uuid !== clientUuid.value) {
      if (detail.state !== "sent") showKept();
      return;
    }
    const mine = detail.page === page;
    if (detail.state === "sent") {
      const answer = detail.body || {};
      // A record from an earlier visit reached the server: this form shows an older text.
      // Untouched, it takes the newer one; touched, its next save meets the conflict view.
      if (!mine && edited) return;
      if (!mine) fill(detail.fields, ["client_uuid", "version", "csrf_token"]);
      seen(answer.version);
      form.dataset.entryId = answer.entry_id;
      lastSent = new URLSearchParams(detail.fields).toString();
      const resaveAs = saveQueued ? "save" : null;
      if (mine) saveQueued = false;
      if (mine && queued !== null && fields().toString() !== queued) save(true, resaveAs);
      else say(form.dataset.savedText);
    } else if (mine) {
      say(refusal(detail.status, detail.body));
    } else {
      showKept();
    }
  });

  // ---- what this phone kept because Tend could not take it ---------------------------------
  const notice = document.querySelector("[data-kept-notice]");
  let shown = null;

  function belongsHere(record) {
    const entryId = new URLSearchParams(record.fields).get("entry_id") || "";
    // Words kept while signed out are offered back on their own, right after sign-in.
    if (record.kept.state === "signed_out") return false;
    if (pageEntryId) return entryId === pageEntryId && record.kept.state !== "gone";
    return !entryId || record.kept.state === "gone";
  }

  async function showKept(focus = false) {
    if (!notice || shared) return;
    const records = (await keptRecords().catch(() => []))
      .filter((r) => r.url === form.dataset.autosaveUrl && r.page !== page && belongsHere(r));
    shown = records[0] || null;
    if (!shown) {
      notice.hidden = true;
      return;
    }
    const state = shown.kept.state;
    const kept = new URLSearchParams(shown.fields);
    const intro = { conflict: notice.dataset.conflictText, gone: notice.dataset.goneText };
    notice.querySelector("[data-kept-intro]").textContent = intro[state] || notice.dataset.refusedText;
    notice.querySelector("[data-kept-reason]").textContent =
      state === "refused" ? refusal(shown.kept.status, { errors: shown.kept.errors }) : "";
    notice.querySelector("[data-kept-title]").textContent = kept.get("title") || "";
    notice.querySelector("[data-kept-body]").textContent = kept.get("body") || "";
    notice.querySelector("[data-kept-status]").textContent = "";
    const offered = state === "conflict" && notice.dataset.resolveUrl ? ["both", "mine", "forget"] : ["restore", "forget"];
    for (const button of notice.querySelectorAll("[data-kept-action]")) {
      button.hidden = !offered.includes(button.dataset.keptAction);
    }
    notice.hidden = false;
    if (focus) notice.querySelector("#kept-heading").focus();
  }

  // Keep both, or keep this phone's text: the same choice the conflict view offers, and the
  // kept text is only let go once the server has answered that it holds it.
  async function resolve(choice) {
    const record = shown;
    const noticeStatus = notice.querySelector("[data-kept-status]");
    noticeStatus.textContent = notice.dataset.workingText;
    try {
      const session = await currentSession();
      if (!session.online || !session.signed_in) throw new Error("offline");
      const data = new URLSearchParams(record.fields);
      data.set("choice", choice);
      // The saved version shown in the form below: "keep this device's text" writes over it
      // and over nothing newer. The kept record's key makes a second tap store one copy.
      data.set("shown_version", version.value);
      data.set("copy_uuid", record.uuid);
      const response = await fetch(notice.dataset.resolveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": session.csrf_token },
        body: data,
        // The answer is a redirect to where the flash message waits; follow it for real.
        redirect: "manual",
      });
      if (response.type !== "opaqueredirect" && !response.ok) throw new Error(String(response.status));
      await forget(record.uuid);
      window.location.assign(choice === "mine" ? notice.dataset.entryUrl : notice.dataset.journalUrl);
    } catch (error) {
      noticeStatus.textContent = notice.dataset.failedText;
    }
  }

  async function restore() {
    const record = shown;
    // On a new entry's page the kept text becomes a new entry; on the entry's own page it
    // keeps the version it was based on, so a change made elsewhere meets the conflict view.
    const skip = pageEntryId ? ["client_uuid", "csrf_token"] : ["client_uuid", "version", "csrf_token"];
    fill(record.fields, skip);
    // A field the server refused may sit in a closed section: open it, so it can be mended.
    for (const name of Object.keys(record.kept.errors || {})) {
      const field = form.elements.namedItem(name);
      const section = field && (field.closest ? field.closest("details") : field[0] && field[0].closest("details"));
      if (section) section.open = true;
    }
    edited = true;
    body.focus();
    const result = await save(true);
    const heldElsewhere = result && (result.state === "sent" || result.state === "queued" || result.kept);
    if (heldElsewhere) await forget(record.uuid).catch(() => {});
    await showKept();
  }

  async function letGo() {
    await forget(shown.uuid).catch(() => {});
    say(said.letGoText);
    await showKept();
    if (notice.hidden) body.focus();
    else notice.querySelector("#kept-heading").focus();
  }

  if (notice && !notice.dataset.mounted) {
    notice.dataset.mounted = "true";
    notice.addEventListener("click", (event) => {
      const button = event.target.closest("[data-kept-action]");
      if (!button || !shown) return;
      const action = button.dataset.keptAction;
      if (action === "both" || action === "mine") resolve(action);
      else if (action === "restore") restore();
      else if (action === "forget") letGo();
    });
  }

  // Tapping Save with no connection: a boosted post would fail without a word. Keep the text
  // the way autosave does and say so; on a shared device, say that nothing can be kept.
  function saveOffline() {
    if (shared) say(said.sharedSaveText);
    else save(true, "save");
  }

  // Before Save is posted: an autosave still on its way answers first, so the Save carries
  // the version it received and the two never race on the server. A connection that hangs
  // does not hold Save back for long.
  form.tendBeforeSave = async () => {
    clearTimeout(timer);
    await Promise.race([chain, new Promise((resolve) => setTimeout(resolve, SAVE_WAIT_MS))]);
    await Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, SAVE_WAIT_MS))]);
    if (!navigator.onLine) {
      saveOffline();
      return false;
    }
    // The session ended while the person wrote: a post now would lead to sign-in and lose
    // the words typed since the last autosave. They stay on the phone instead, sealed, and
    // are offered back once the same person signs in again.
    if (await signedOut()) {
      if (shared) say(said.signedOutText);
      else save(true, "save");
      return false;
    }
    return true;
  };

  // Online, the form post itself carries the text: once the server answered (saved, or a page
  // that holds the text such as the conflict view), what this page kept is superseded.
  // A 401 is not an answer about the text: the session ended on the way (see below).
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt !== form) return;
    const code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (code >= 200 && code < 500 && code !== 401) settle(page, clientUuid.value).catch(() => {});
  });
  // The session ended between the check before Save and the post itself: following htmx to
  // sign-in would take the words with it. They stay on the phone instead, as above.
  document.body.addEventListener("htmx:beforeOnLoad", (event) => {
    if (event.detail.elt !== form || !event.detail.xhr || event.detail.xhr.status !== 401) return;
    event.preventDefault();
    if (shared) say(said.signedOutText);
    else save(true, "save");
  });
  document.body.addEventListener("htmx:sendError", (event) => {
    if (event.detail.elt === form) say(said.failedText);
  });

  // Every field, not only the text: a number typed in the intensity box is saved (or its
  // refusal reported) without waiting for the field to lose focus.
  form.addEventListener("input", (event) => {
    edited = true;
    if (event.target === body) updateCounter();
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  });
  form.addEventListener("change", () => { edited = true; clearTimeout(timer); timer = setTimeout(save, DEBOUNCE_MS); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && form.isConnected) save();
  });
  updateCounter();
  showKept();
}

// Registered once, in the capture phase, so it runs before htmx's boosted submit: Save is held
// until the page is ready to send it (see tendBeforeSave), then submitted again for htmx.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-journal-form]");
  if (!form || !form.tendBeforeSave) return;
  if (form.dataset.saving === "go") {
    delete form.dataset.saving;
    return;
  }
  event.preventDefault();
  event.stopImmediatePropagation();
  if (form.dataset.saving) return; // a second tap while the first waits
  form.dataset.saving = "wait";
  const submitter = event.submitter && event.submitter.form === form ? event.submitter : undefined;
  form.tendBeforeSave().then((go) => {
    if (!go || !form.isConnected) {
      delete form.dataset.saving;
      return;
    }
    // Handed to htmx's boosted submit as the same event; without htmx, posted as it is.
    form.dataset.saving = "go";
    const again = new SubmitEvent("submit", { bubbles: true, cancelable: true, submitter });
    if (form.dispatchEvent(again)) form.submit();
  }, () => { delete form.dataset.saving; });
}, true);
