// Quick exit: leave at once for a neutral site, replacing this page in history so that
// Back does not return to Tend. Without JavaScript the link still leaves.
export function installQuickExit(root = document) {
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  });
  // Pressing Escape three times in a row also leaves, for when the screen is being watched.
  let presses = 0;
  let timer = null;
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(() => { presses = 0; }, 1200);
    if (presses >= 3) {
      const link = document.querySelector("[data-quick-exit]");
      if (link) window.location.replace(link.href);
    }
  });
}
