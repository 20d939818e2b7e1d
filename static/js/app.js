// Behaviour hangs off data- attributes; no inline script anywhere (strict CSP).
import { installQuickExit } from "./quick-exit.js";

installQuickExit();

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// After a form comes back with errors, move focus to the summary so it is announced.
function focusErrors(root) {
  const summary = root.querySelector("[data-autofocus]");
  if (summary) summary.focus();
}
focusErrors(document);
document.body.addEventListener("htmx:afterSettle", (event) => focusErrors(event.target));

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
