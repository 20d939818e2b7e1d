// The offline outbox: what a participant saves without a connection waits here, in
// IndexedDB, with the UUID the device made as its idempotency key, and is sent when the
// network returns (on `online` and on every page load). Each record belongs to the person who
// made it and is only replayed under their session, with a fresh CSRF token. Nothing is kept
// on a device marked as shared, and sign-out clears everything.
//
// Only a definitive answer clears a record: a success (2xx). When the server refuses one (a
// conflict, a validation error, an entry deleted elsewhere), the record is not dropped: it is
// *kept*, under a key of its own so a page writing the same entry cannot overwrite it, and it
// is never replayed by itself again. It waits there until the person chooses what to do with
// it (the journal's edit page shows it). A failure that may pass (401, 429, 5xx, no network)
// leaves the record queued for the next replay.
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

// How a refused answer is kept: a conflict and a deleted entry each need their own choice.
function keptState(status) {
  if (status === 409) return "conflict";
  if (status === 404) return "gone";
  return "refused";
}

// Temporary refusals: the same record may well be taken later, so it stays queued.
function mayPass(status) {
  return status === 401 || status === 408 || status === 429 || status >= 500;
}

// Save now if possible, otherwise keep for later. Returns "sent", "queued" or a refusal.
// `fields` is an object or a list of [name, value] pairs (for fields that repeat).
// With `options.page` (a key the calling page made for itself), what the server refuses is
// kept on the phone under that key, and the page's next success or queued record replaces it:
// a page that closes after a refusal loses nothing.
export async function submit(url, fields, sessionUrl, options = {}) {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  const session = await currentSession(sessionUrl);
  if (session.online && !session.signed_in) return { state: "not_signed_in", online: true };
  const uuid = new URLSearchParams(pairs).get("client_uuid");
  const page = options.page || null;
  const record = { uuid, url, fields: pairs, owner: session.owner, created: Date.now(), page };
  const keeps = !!(session.outbox && session.owner);
  if (session.online) {
    try {
      const response = await send(record, session.csrf_token);
      if (response.ok) {
        const body = await response.json();
        if (page && keeps) await settle(page, uuid).catch(() => {});
        return { state: "sent", body, online: true };
      }
      if (response.status >= 400 && response.status < 500 && !mayPass(response.status)) {
        const body = await response.json().catch(() => ({}));
        let kept = false;
        if (page && keeps) {
          await withStore(STORE, "readwrite", (store) => store.put(
            { ...record, uuid: page, source_uuid: uuid, kept: keptInfo(response.status, body) }));
          kept = true;
        }
        return { state: "refused", status: response.status, body, kept, online: true };
      }
    } catch (error) { /* the network went away between the two requests: keep it */ }
  }
  if (!keeps) return { state: "shared_device", online: session.online };
  await withStore(STORE, "readwrite", (store) => {
    store.put(record);
    // The queued record holds everything the page's kept one held, and more.
    if (page) store.delete(page);
  });
  return { state: "queued", online: session.online };
}

function keptInfo(status, body) {
  return { state: keptState(status), status, errors: (body && body.errors) || null, at: Date.now() };
}

// After a page's success: everything it had kept, and the record it queued, are superseded
// by what the server now holds. Exported for a page whose text the server took by other means
// (the plain form post).
export async function settle(page, uuid) {
  if (!("indexedDB" in window) || !page) return;
  await withStore(STORE, "readwrite", (store) => {
    const all = store.getAll();
    all.onsuccess = () => {
      for (const record of all.result || []) {
        if (record.page !== page) continue;
        if (record.kept || record.uuid === uuid) store.delete(record.uuid);
      }
    };
  });
}

// Tell an open page what became of a record it may be showing (its version moved on, or the
// server refused it and it is now kept).
function announce(record, state, status, body) {
  window.dispatchEvent(new CustomEvent("tend:outbox", {
    detail: { uuid: record.uuid, page: record.page || null, fields: record.fields, state, status, body },
  }));
}

// The records kept for the person signed in on this device, oldest first.
export async function keptRecords() {
  if (!("indexedDB" in window)) return [];
  const last = await withStore(META, "readonly", (store) => store.get("last")).catch(() => null);
  if (!last || !last.owner || !last.outbox) return [];
  const records = await withStore(STORE, "readonly", (store) => store.getAll()).catch(() => []);
  return (records || []).filter((r) => r.kept && r.owner === last.owner)
    .sort((a, b) => a.kept.at - b.kept.at);
}

// Only ever called on the person's own choice, or once their text is safely elsewhere.
export async function forget(key) {
  if (!("indexedDB" in window) || !key) return;
  await withStore(STORE, "readwrite", (store) => store.delete(key));
}

let flushing = false;
let flushed = Promise.resolve(0);

// Resolves once a replay under way has finished, so a page's Save is never overtaken by an
// older record of the same entry.
export function idle() {
  return flushed;
}

export function flush(sessionUrl) {
  if (flushing || !("indexedDB" in window)) return flushed;
  flushed = replay(sessionUrl).catch(() => 0);
  return flushed;
}

async function replay(sessionUrl) {
  flushing = true;
  let sent = 0;
  try {
    const records = await withStore(STORE, "readonly", (store) => store.getAll());
    if (!records || !records.length) return 0;
    const session = await currentSession(sessionUrl);
    if (!session.online || !session.signed_in) return 0;
    for (const record of records) {
      // A kept record waits for the person's choice; it is never replayed by itself.
      if (record.kept) continue;
      // Never send one person's record under another person's session.
      if (record.owner !== session.owner) continue;
      try {
        const response = await send(record, session.csrf_token);
        if (response.ok) {
          const body = await response.json().catch(() => ({}));
          await removeIfUnchanged(record);
          sent += 1;
          announce(record, "sent", response.status, body);
        } else if (!mayPass(response.status) && response.status >= 400 && response.status < 500) {
          const body = await response.json().catch(() => ({}));
          await keepRefused(record, response.status, body);
          announce(record, keptState(response.status), response.status, body);
        }
      } catch (error) { break; }
    }
  } finally {
    flushing = false;
  }
  return sent;
}

// A page may have queued a newer record under the same UUID while this one was on its way:
// only the record that was sent is removed.
async function removeIfUnchanged(record) {
  await withStore(STORE, "readwrite", (store) => {
    const stored = store.get(record.uuid);
    stored.onsuccess = () => {
      if (stored.result && stored.result.created === record.created && !stored.result.kept) store.delete(record.uuid);
    };
  });
}

// Moved to a key of its own in one transaction, so it is never both lost and kept, and the
// entry's edit page (which writes under the entry's UUID) cannot overwrite it.
async function keepRefused(record, status, body) {
  await withStore(STORE, "readwrite", (store) => {
    const stored = store.get(record.uuid);
    stored.onsuccess = () => {
      store.put({ ...record, uuid: newUuid(), source_uuid: record.uuid, kept: keptInfo(status, body) });
      if (stored.result && stored.result.created === record.created) store.delete(record.uuid);
    };
  });
}

export async function clearAll() {
  if (!("indexedDB" in window)) return;
  await withStore(STORE, "readwrite", (store) => store.clear()).catch(() => {});
  await withStore(META, "readwrite", (store) => store.clear()).catch(() => {});
}
