// Notifications on this device: ask the browser, subscribe with Tend's public VAPID key, and
// send the subscription to Tend, which keeps it for this device until it is removed or this
// device signs out. Mounted on the account page's [data-push] block.

function keyBytes(base64url) {
  const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

async function keep(url, subscription) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (!response.ok) throw new Error(`not kept: ${response.status}`);
}

export function mount(root) {
  const button = root.querySelector("[data-push-enable]");
  const status = root.querySelector("[data-push-status]");
  const say = (text) => { status.textContent = text; status.hidden = false; };
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) { say(button.dataset.textUnsupported); return; }
  if (Notification.permission === "denied") { say(button.dataset.textDenied); return; }

  if (root.hasAttribute("data-push-known") && Notification.permission === "granted") {
    say(button.dataset.textDone);
    // Browsers sometimes renew a subscription: tell Tend the current one, quietly.
    navigator.serviceWorker.ready
      .then((registration) => registration.pushManager.getSubscription())
      .then((subscription) => subscription && keep(root.dataset.pushUrl, subscription))
      .catch(() => {});
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(button.dataset.textDenied); return; }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription()
        || await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(root.dataset.pushKey),
        });
      await keep(root.dataset.pushUrl, subscription);
      say(button.dataset.textDone);
      window.location.reload();
    } catch (error) {
      say(button.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
}
