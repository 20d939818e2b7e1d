// Offering back what the outbox kept on this phone, so nothing waits unseen:
// - on any page right after sign-in, the words a journal page kept when it met an ended
//   session: "You wrote this while signed out: keep it / let it go";
// - on a checklist's or an exercise's own page, the answers the server refused when the
//   outbox sent them: "You answered this on your phone: send it / let it go".
// Nothing is sent or let go without the person's tap.
import { forget, keptRecords, sendKept } from "./outbox.js";

function pathOf(url) {
  try {
    return new URL(url, window.location.href).pathname;
  } catch (error) {
    return "";
  }
}

function valueOf(record, name) {
  return new URLSearchParams(record.fields).get(name) || "";
}

// `attribute` names the buttons' data attribute whose value picks the handler.
// The notice closed: what became of the words is said just after it, and focus goes there.
function done(notice, message, href) {
  const said = document.createElement("div");
  said.className = "notice";
  said.setAttribute("role", "status");
  said.tabIndex = -1;
  const line = document.createElement("p");
  line.textContent = message;
  said.append(line);
  if (href && notice.dataset.openText) {
    const link = document.createElement("a");
    link.className = "button button--secondary";
    link.href = href;
    link.textContent = notice.dataset.openText;
    said.append(link);
  }
  notice.after(said);
  said.focus();
}

function wire(root, attribute, handlers) {
  if (root.dataset.mounted) return;
  root.dataset.mounted = "true";
  root.addEventListener("click", (event) => {
    const button = event.target.closest(`[${attribute}]`);
    const handler = button && handlers[button.getAttribute(attribute)];
    if (handler) handler();
  });
}

async function offerSignedOut(notice) {
  if (notice.dataset.offered) return;
  notice.dataset.offered = "true";
  const journal = pathOf(notice.dataset.journalUrl);
  const statusLine = notice.querySelector("[data-offered-status]");
  let shown = null;

  async function show() {
    const records = (await keptRecords().catch(() => []))
      .filter((r) => r.kept.state === "signed_out" && pathOf(r.url) === journal);
    shown = records[0] || null;
    if (!shown) {
      notice.hidden = true;
      return false;
    }
    notice.querySelector("[data-offered-title]").textContent = valueOf(shown, "title");
    notice.querySelector("[data-offered-body]").textContent = valueOf(shown, "body");
    notice.hidden = false;
    return true;
  }

  wire(notice, "data-offered-action", {
    keep: async () => {
      const result = await sendKept(shown);
      if (result.state === "sent") {
        const more = await show();
        statusLine.textContent = notice.dataset.savedText;
        // Said where it stays in view once the notice has nothing more to offer.
        if (!more) done(notice, notice.dataset.savedText, result.body && result.body.entry_url);
      } else if (result.state === "refused") {
        statusLine.textContent = notice.dataset.refusedText;
      } else {
        statusLine.textContent = notice.dataset.failedText;
      }
    },
    forget: async () => {
      await forget(shown.uuid).catch(() => {});
      statusLine.textContent = notice.dataset.letGoText;
      if (!(await show())) done(notice, notice.dataset.letGoText);
    },
  });
  await show();
}

async function offerKeptAnswers(notice) {
  if (notice.dataset.offered) return;
  notice.dataset.offered = "true";
  const target = pathOf(notice.dataset.url);
  const exercise = notice.dataset.exerciseId || "";
  const statusLine = notice.querySelector("[data-kept-answers-status]");
  const when = notice.querySelector("[data-kept-answers-when]");
  let shown = null;

  async function show() {
    const records = (await keptRecords().catch(() => []))
      .filter((r) => r.kept.state !== "signed_out" && pathOf(r.url) === target)
      .filter((r) => !exercise || valueOf(r, "exercise_id") === exercise);
    shown = records[0] || null;
    notice.hidden = !shown;
    if (shown) {
      const locale = document.documentElement.lang || undefined;
      const moment = new Date(shown.created || shown.kept.at)
        .toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
      when.textContent = notice.dataset.whenText.replace("{when}", moment);
    }
    return !!shown;
  }

  wire(notice, "data-kept-answers-action", {
    send: async () => {
      const result = await sendKept(shown);
      if (result.state === "sent") {
        statusLine.textContent = notice.dataset.sentText;
        // The page shows the answers as Tend holds them now.
        window.location.reload();
      } else if (result.state === "refused") {
        statusLine.textContent = notice.dataset.refusedText;
      } else {
        statusLine.textContent = notice.dataset.failedText;
      }
    },
    forget: async () => {
      await forget(shown.uuid).catch(() => {});
      if (await show()) statusLine.textContent = notice.dataset.letGoText;
      else done(notice, notice.dataset.letGoText);
    },
  });
  // The outbox may refuse a replay while this page is open (it replays on every load).
  window.addEventListener("tend:outbox", (event) => {
    if (notice.isConnected && event.detail && event.detail.state !== "sent") show();
  });
  await show();
}

export function mount(root = document) {
  if (document.body.hasAttribute("data-shared-device")) return;
  const notice = root.querySelector("[data-offered-back]");
  if (notice) offerSignedOut(notice);
  for (const kept of root.querySelectorAll("[data-kept-answers]")) offerKeptAnswers(kept);
}
