// Quick exit: end the sign-in on the server, then leave at once for a neutral site, replacing
// this page in history so that Back does not return to it. The beacon outlives the page, so
// leaving never waits for it; any Tend page the history still holds then asks for sign-in
// (signed-in pages are never stored: Cache-Control no-store). Without JavaScript the link
// still leaves, and the session ends at its idle timeout.
function endSession() {
  const link = document.querySelector("[data-quick-exit][data-end-session]");
  if (!link || !navigator.sendBeacon) return;
  const form = new FormData();
  if (link.dataset.csrf) form.append("csrf_token", link.dataset.csrf);
  navigator.sendBeacon(link.dataset.endSession, form);
}

function leave(link) {
  endSession();
  document.body.hidden = true;
  window.location.replace(link.href);
}

export function installQuickExit(root = document) {
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    leave(link);
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
      if (link) leave(link);
    }
  });
}
