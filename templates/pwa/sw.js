// Tend's service worker. It keeps the app's shell and public pages for offline use and
// never stores a signed-in page: navigations go to the network, and only fall back to the
// offline page, which holds nothing personal.
const CACHE = "tend-static-{{ cache_version }}";
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // Fingerprinted files may come from the HTTP cache (the page just fetched them);
      // pages are fetched afresh.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, {
        cache: url.includes("?v=") ? "default" : "reload",
      }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("tend-") && key !== CACHE)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

// The kept pages speak the language they were fetched in. A page tells the worker its
// language as it loads; when that is no longer the language of the kept pages (the person
// switched), they are fetched again, so offline the exercises speak the new language.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "language" && typeof data.lang === "string") {
    event.waitUntil(refreshPagesFor(data.lang).catch(() => {}));
  }
});

async function refreshPagesFor(lang) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(OFFLINE_URL);
  const keptLang = kept ? ((await kept.text()).match(/<html lang="([^"]+)"/) || [])[1] : null;
  if (keptLang === lang) return;
  const pages = PRECACHE.filter((url) => !url.includes("?v="));
  await Promise.all(pages.map(async (url) => {
    const response = await fetch(new Request(url, { cache: "reload" }));
    if (response.ok) await cache.put(url, response);
  }));
}

function isStaticAsset(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/static/");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    // Network first; offline, only a precached public page (an exercise) or the offline page.
    event.respondWith(
      fetch(request).catch(() => caches.match(request, { ignoreSearch: true })
        .then((cached) => cached || caches.match(OFFLINE_URL))),
    );
    return;
  }
  if (isStaticAsset(url)) {
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then((cached) => cached || fetch(request).then((response) => {
        if (response.ok && url.searchParams.has("v")) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })),
    );
  }
});

// Notifications from Tend's worker (staff alerts, reminders people asked for). The payload
// holds a title, a body, the page to open and a tag, never anything personal. A repeat with
// the same tag replaces the one already shown.
const NOTIFICATION_ICON = {{ url_for('static', filename='icons/icon-192.png')|tojson }};

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Tend", {
    body: data.body || "",
    tag: data.tag || "tend",
    renotify: Boolean(data.tag),
    icon: NOTIFICATION_ICON,
    data: { url: data.url || "/" },
  }));
});

// Only a page of this site, whatever address the message was written with.
function notificationTarget(notification) {
  try {
    const url = new URL((notification.data && notification.data.url) || "/", self.location.origin);
    return new URL(url.pathname + url.search, self.location.origin).href;
  } catch (error) {
    return new URL("/", self.location.origin).href;
  }
}

// A tap opens the page the notification is about: in a Tend window already open, or a new one.
async function openFromNotification(notification) {
  const target = notificationTarget(notification);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin || !("navigate" in client)) continue;
    const moved = await client.navigate(target).catch(() => null);
    if (moved) {
      await moved.focus().catch(() => {});
      return moved;
    }
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification));
});
