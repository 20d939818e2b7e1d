// The offline outbox: what a participant saves without a connection waits here, in
// IndexedDB, with the UUID the device made as its idempotency key, and is sent when the
// network returns (on `online` and on every page load). Each record belongs to the person who
// made it and is only replayed under their session, with a fresh CSRF token. Nothing is kept
// on a device marked as shared, and sign-out clears everything.
const DB_NAME = "tend-outbox";
const STORE = "records";
const META = "meta";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: "uuid" });
      request.result.createObjectStore(META);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(name, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const result = work(tx.objectStore(name));
    tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

export function newUuid() {
  return crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}

// Who is signed in, a fresh CSRF token, and whether this device may keep records.
export async function currentSession(url = "/outbox/session") {
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    const session = await response.json();
    await withStore(META, "readwrite", (store) => store.put(
      { signed_in: session.signed_in, owner: session.owner || null, outbox: !!session.outbox }, "last"));
    return { ...session, online: true };
  } catch (error) {
    const last = await withStore(META, "readonly", (store) => store.get("last")).catch(() => null);
    return { ...(last || { signed_in: false, outbox: false }), online: false };
  }
}

async function send(record, csrfToken) {
  const response = await fetch(record.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
    body: new URLSearchParams(record.fields),
  });
  return response;
}

// Save now if possible, otherwise keep for later. Returns "sent", "queued" or a refusal.
// `fields` is an object or a list of [name, value] pairs (for fields that repeat).
export async function submit(url, fields, sessionUrl) {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  const session = await currentSession(sessionUrl);
  if (session.online && !session.signed_in) return { state: "not_signed_in" };
  const uuid = new URLSearchParams(pairs).get("client_uuid");
  const record = { uuid, url, fields: pairs, owner: session.owner, created: Date.now() };
  if (session.online) {
    try {
      const response = await send(record, session.csrf_token);
      if (response.ok) return { state: "sent", body: await response.json() };
      if (response.status >= 400 && response.status < 500) return { state: "refused", body: await response.json().catch(() => ({})) };
    } catch (error) { /* the network went away between the two requests: keep it */ }
  }
  if (!session.outbox || !session.owner) return { state: "shared_device" };
  await withStore(STORE, "readwrite", (store) => store.put(record));
  return { state: "queued" };
}

let flushing = false;
export async function flush(sessionUrl) {
  if (flushing || !("indexedDB" in window)) return 0;
  flushing = true;
  let sent = 0;
  try {
    const records = await withStore(STORE, "readonly", (store) => store.getAll());
    if (!records || !records.length) return 0;
    const session = await currentSession(sessionUrl);
    if (!session.online || !session.signed_in) return 0;
    for (const record of records) {
      // Never send one person's record under another person's session.
      if (record.owner !== session.owner) continue;
      try {
        const response = await send(record, session.csrf_token);
        if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429)) {
          await withStore(STORE, "readwrite", (store) => store.delete(record.uuid));
          sent += 1;
        }
      } catch (error) { break; }
    }
  } finally {
    flushing = false;
  }
  return sent;
}

export async function clearAll() {
  if (!("indexedDB" in window)) return;
  await withStore(STORE, "readwrite", (store) => store.clear()).catch(() => {});
  await withStore(META, "readwrite", (store) => store.clear()).catch(() => {});
}
