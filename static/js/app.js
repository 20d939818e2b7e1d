// Behaviour hangs off data- attributes; no inline script anywhere (strict CSP).
import { installQuickExit } from "./quick-exit.js";
import { clearAll, currentSession, flush, forgetReadable, newUuid, submit } from "./outbox.js";

installQuickExit();

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Sign-out leaves nothing readable behind on the device: what the outbox sealed stays, locked
// until the same person signs in again (then it is offered back); what it could not seal
// goes. A device marked as shared keeps nothing at all.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-sign-out]");
  if (!form || form.dataset.cleared) return;
  event.preventDefault();
  const shared = document.body.hasAttribute("data-shared-device");
  (shared ? clearAll() : forgetReadable()).finally(() => { form.dataset.cleared = "true"; form.submit(); });
});

// A form marked data-offline-outbox waits on the phone when there is no connection (for
// example the pre-session checklist on the way to the clinic) and is sent when it returns.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-offline-outbox]");
  if (!form || navigator.onLine) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const pairs = [...new FormData(form).entries()].filter(([name]) => name !== "csrf_token");
  if (!pairs.some(([name]) => name === "client_uuid")) pairs.push(["client_uuid", newUuid()]);
  const result = await submit(form.action, pairs);
  const status = form.querySelector("[data-outbox-status]");
  if (status) {
    status.textContent = result.state === "queued" ? form.dataset.queuedText : form.dataset.notKeptText;
    status.focus();
  }
}, true);

// A screen of one single-choice question moves on once an answer is tapped, after a short
// pause so the chosen row is seen. Only a pointer choice moves on: arrow keys walk through
// the answers without leaving the screen, and Enter or Next moves on from the keyboard.
let pointerChoice = false;
document.addEventListener("pointerdown", (event) => {
  pointerChoice = Boolean(event.target.closest("form[data-advance-on-choose] .choice"));
});
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-advance-on-choose]");
  if (!form || event.target.type !== "radio" || !pointerChoice) return;
  pointerChoice = false;
  const next = form.querySelector('button[name="go"][value="next"]');
  if (next) window.setTimeout(() => next.click(), 250);
});

// Enter in a questionnaire means Next, as it reads; the browser's own default would be the
// first button in the form, which is Back.
document.addEventListener("keydown", (event) => {
  const form = event.target.closest && event.target.closest("form[data-enter-next]");
  if (!form || event.key !== "Enter" || event.target.matches("textarea, button, a")) return;
  const next = form.querySelector('button[name="go"][value="next"]');
  if (!next) return;
  event.preventDefault();
  next.click();
});

// The journal's prompt is read as a quote above the words: choosing another one shows it there.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-prompt-choice]")) return;
  const form = event.target.form;
  const figure = form && form.querySelector("[data-prompt-figure]");
  if (!figure) return;
  const words = event.target.value ? event.target.closest("label").textContent.trim() : "";
  figure.querySelector("[data-prompt-quote] p").textContent = words;
  figure.hidden = !words;
});

// After a form comes back with errors, move focus to the summary so it is announced.
function focusErrors(root) {
  const summary = root.querySelector("[data-autofocus]");
  if (summary) summary.focus();
}

// Pages arrive whole or through hx-boost; either way, wire up what is on them.
function enhance(root) {
  focusErrors(root);
  const player = root.querySelector("[data-player]");
  if (player) import("./player.js").then((module) => module.mount(player));
  const journal = root.querySelector("[data-journal-form]");
  if (journal) import("./journal.js").then((module) => module.mount(journal));
  const push = root.querySelector("[data-push]");
  if (push) import("./push.js").then((module) => module.mount(push));
  for (const passkey of root.querySelectorAll("[data-passkey-setup], [data-passkey-signin]")) {
    if (passkey.dataset.mounted) continue;
    passkey.dataset.mounted = "true";
    import("./passkeys.js").then((module) => module.mount(passkey));
  }
  if (root.querySelector("[data-offered-back], [data-kept-answers]")) {
    import("./offered-back.js").then((module) => module.mount(root));
  }
  for (const element of root.querySelectorAll(".no-js-only")) element.hidden = true;
}

enhance(document);
document.body.addEventListener("htmx:afterSettle", () => enhance(document));

// While online and signed in, note who may keep records on this device (and whether it is
// shared), so that an exercise rating or a draft made later without a connection can wait in
// the outbox: offline, the outbox only knows what it learned here. The sign-out button is the
// sign of a signed-in page; a boosted navigation (sign-in itself is one) swaps it in.
function learnSession() {
  if (navigator.onLine && document.querySelector("[data-sign-out]")) currentSession().catch(() => {});
}
learnSession();
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail && event.detail.boosted) learnSession();
});
flush();
window.addEventListener("online", () => flush());

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    // The worker refreshes its offline pages if this language is not theirs.
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active) registration.active.postMessage({ type: "language", lang: document.documentElement.lang });
    }).catch(() => {});
  });
}
