// The journal form: a live character count, and autosave (debounced, and when the page is
// hidden) so nothing typed is lost. Offline, the draft waits in the outbox and is sent when
// the network returns; the server keeps one entry per client UUID.
import { submit } from "./outbox.js";

const DEBOUNCE_MS = 1500;

export function mount(form) {
  if (form.dataset.mounted) return;
  form.dataset.mounted = "true";
  const body = form.querySelector("textarea[name=body]");
  const counter = form.querySelector("[data-counter]");
  const status = form.querySelector("[data-autosave-status]");
  const version = form.querySelector("input[name=version]");
  const max = Number(body.dataset.counterMax);
  const countTemplate = counter.dataset.counterTemplate;
  let timer = null;
  let lastSent = null;

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

  async function save() {
    clearTimeout(timer);
    if (!body.value.trim() || body.value.length > max) return;
    const payload = fields();
    const serialised = payload.toString();
    if (serialised === lastSent) return;
    lastSent = serialised;
    const result = await submit(form.dataset.autosaveUrl, [...payload.entries()]);
    const body_ = result.body || {};
    if (result.state === "sent" && body_.saved) {
      version.value = body_.version;
      form.dataset.entryId = body_.entry_id;
      status.textContent = form.dataset.savedText || "✓";
    } else if (result.state === "queued") {
      status.textContent = form.dataset.queuedText || "…";
    } else if (body_.conflict) {
      status.textContent = form.dataset.conflictText || "!";
    }
  }

  body.addEventListener("input", () => {
    updateCounter();
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(save, DEBOUNCE_MS); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save();
  });
  updateCounter();
}
