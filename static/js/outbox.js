// The offline outbox: what a participant saves without a connection waits here, in
// IndexedDB, with the UUID the device made as its idempotency key, and is sent when the
// network returns (on `online` and on every page load). Each record belongs to the person who
// made it and is only replayed under their session, with a fresh CSRF token. Nothing is kept
// on a device marked as shared. What a record holds is sealed with the person's own key
// (outbox-seal.js): once they are signed out it cannot be read on the device; when the same
// person signs in again it is theirs again; another person's sign-in deletes it.
//
// Only a definitive answer clears a record: a success (2xx). When the server refuses one (a
// conflict, a validation error, an entry deleted elsewhere), the record is not dropped: it is
// *kept*, under a key of its own so a page writing the same entry cannot overwrite it, and it
// is never replayed by itself again. It waits there until the person chooses what to do with
// it (the journal's edit page shows it). A failure that may pass (401, 429, 5xx, no network)
// leaves the record queued for the next replay. A write that meets an ended session is kept
// as "signed_out" and offered back once the same person signs in again (offered-back.js).
//
// A Save waiting in the outbox stays a Save: the page's later words join it rather than
// replace it with an autosave, so the outbox never sends an autosave after a Save.
import { holds, lock, seal, unlock, unseal } from "./outbox-seal.js";

const DB_NAME = "tend-outbox";
let stillSealing = null;
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

// Who is signed in, a fresh CSRF token, and whether this device may keep records. Signed in,
// the person's key is fetched (once per page) and whatever this device keeps that is not
// theirs (another person's, or sealed under a key that is no longer given) is deleted.
// Signed out, the key is let go: `sealer` is what was held, for the one write that met the
// ended session.
export async function currentSession(url = "/outbox/session") {
  let session;
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    session = await response.json();
  } catch (error) {
    const last = await withStore(META, "readonly", (store) => store.get("last")).catch(() => null);
    return { ...(last || { signed_in: false, outbox: false }), online: false };
  }
  let sealer = null;
  if (session.signed_in && session.outbox && session.owner) {
    if (!holds(session.owner)) {
      if (await unlock(session.owner)) await keepOnly(session.owner).catch(() => {});
      stillSealing = null;
    }
  } else {
    // The page that was writing when the session ended keeps sealing its own words until it
    // is closed (it never opens anything with the key again): none of them is lost.
    sealer = lock() || stillSealing;
    stillSealing = session.signed_in ? null : sealer;
    // A device marked as shared keeps nothing, not even what was kept before it was.
    if (session.signed_in) await clearRecords().catch(() => {});
  }
  await withStore(META, "readwrite", (store) => store.put(
    { signed_in: session.signed_in, owner: session.owner || null, outbox: !!session.outbox }, "last")).catch(() => {});
  return { ...session, online: true, sealer };
}

// With the person's key just fetched: delete what belongs to someone else and what the key
// cannot open. Only records kept in the clear (no key could be had) are left as they are.
async function keepOnly(owner) {
  const records = await withStore(STORE, "readonly", (store) => store.getAll());
  const doomed = [];
  for (const record of records || []) {
    if (record.owner !== owner) doomed.push(record.uuid);
    else if (record.sealed && !(await unseal(record))) doomed.push(record.uuid);
  }
  if (!doomed.length) return;
  await withStore(STORE, "readwrite", (store) => { for (const uuid of doomed) store.delete(uuid); });
}

// What a record holds, opened: its fields, or null when it cannot be read here.
export async function fieldsOf(record) {
  if (record.sealed) return unseal(record);
  return record.fields || null;
}

// A record to store: sealed when the person's key is held, in the clear only when the caller
// allows it for a record without typed words (an exercise's ratings on a page opened offline).
async function storable(base, pairs, { plain = false, sealer = undefined } = {}) {
  const intent = pairs.some(([name, value]) => name === "intent" && value === "save") ? "save" : null;
  if (sealer || holds(base.owner)) {
    return { ...base, intent, sealed: await seal(pairs, sealer || undefined) };
  }
  if (plain) return { ...base, intent, fields: pairs };
  return null;
}

// Whether the session has ended, asked without touching the key (the write that follows
// still seals with it).
export async function signedOut(url = "/outbox/session") {
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return false;
    return !(await response.json()).signed_in;
  } catch (error) {
    return false;
  }
}

function getRecord(key) {
  return withStore(STORE, "readonly", (store) => store.get(key)).catch(() => null);
}

async function send(url, pairs, csrfToken) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" },
    body: new URLSearchParams(pairs),
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
// a page that closes after a refusal loses nothing. With `options.keepSignedOut`, a write
// that meets an ended session is kept (sealed) to be offered back after the next sign-in.
// With `options.plain`, a record without typed words may be kept unsealed when no key could
// be had (a page opened without a connection).
export async function submit(url, fields, sessionUrl, options = {}) {
  let pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  const session = await currentSession(sessionUrl);
  const uuid = new URLSearchParams(pairs).get("client_uuid");
  const page = options.page || null;
  if (session.online && !session.signed_in) {
    return keepSignedOut(url, pairs, uuid, page, session.sealer, options);
  }
  // A Save of this entry already waits here: these words join it and stay a Save.
  const waiting = uuid ? await getRecord(uuid) : null;
  if (waiting && !waiting.kept && waiting.intent === "save" && !pairs.some(([n]) => n === "intent")) {
    pairs = [...pairs, ["intent", "save"]];
  }
  const base = { uuid, url, owner: session.owner, created: Date.now(), page };
  const keeps = !!(session.outbox && session.owner);
  if (session.online) {
    try {
      const response = await send(url, pairs, session.csrf_token);
      if (response.ok) {
        const body = await response.json();
        if (keeps) {
          if (page) await settle(page, uuid).catch(() => {});
          // What waited for this entry is now on the server, with these newer words.
          if (waiting && !waiting.kept) await removeIfUnchanged(waiting).catch(() => {});
        }
        return { state: "sent", body, online: true };
      }
      if (response.status >= 400 && response.status < 500 && !mayPass(response.status)) {
        const body = await response.json().catch(() => ({}));
        let kept = false;
        const record = page && keeps ? await storable(base, pairs, options) : null;
        if (record) {
          await withStore(STORE, "readwrite", (store) => store.put(
            { ...record, uuid: page, source_uuid: uuid, kept: keptInfo(response.status, body) }));
          kept = true;
        }
        return { state: "refused", status: response.status, body, kept, online: true };
      }
    } catch (error) { /* the network went away between the two requests: keep it */ }
  }
  if (!keeps) return { state: "shared_device", online: session.online };
  const record = await storable(base, pairs, options);
  if (!record) return { state: "not_kept", online: session.online };
  await withStore(STORE, "readwrite", (store) => {
    store.put(record);
    // The queued record holds everything the page's kept one held, and more.
    if (page) store.delete(page);
  });
  return { state: "queued", online: session.online };
}

// The session ended while the person wrote: their words stay here, sealed with the key the
// page still held, until the same person signs in again and chooses.
async function keepSignedOut(url, pairs, uuid, page, sealer, options) {
  if (!options.keepSignedOut || !sealer) return { state: "not_signed_in", online: true };
  const base = { uuid, url, owner: sealer.owner, created: Date.now(), page };
  const record = await storable(base, pairs, { sealer });
  const key = page || uuid || newUuid();
  await withStore(STORE, "readwrite", (store) => store.put(
    { ...record, uuid: key, source_uuid: uuid, kept: { state: "signed_out", status: 401, errors: null, at: Date.now() } }));
  return { state: "kept_signed_out", online: true };
}

// Offered back and chosen: send a kept record again, now. Sent, it is let go; refused, it
// stays kept with the new reason. Returns what submit returns.
export async function sendKept(record) {
  const session = await currentSession();
  if (!session.online) return { state: "offline" };
  if (!session.signed_in) return { state: "not_signed_in" };
  const pairs = record.fields || await fieldsOf(record);
  if (!pairs) return { state: "unreadable" };
  try {
    const response = await send(record.url, pairs, session.csrf_token);
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      await forget(record.uuid);
      return { state: "sent", body };
    }
    if (!mayPass(response.status)) {
      const stored = await getRecord(record.uuid);
      if (stored) {
        await withStore(STORE, "readwrite", (store) => store.put(
          { ...stored, kept: keptInfo(response.status, body) }));
      }
      return { state: "refused", status: response.status, body };
    }
    return { state: "failed", status: response.status };
  } catch (error) {
    return { state: "offline" };
  }
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
function announce(record, pairs, state, status, body) {
  window.dispatchEvent(new CustomEvent("tend:outbox", {
    detail: { uuid: record.uuid, page: record.page || null, fields: pairs, state, status, body },
  }));
}

// The records kept for the person signed in on this device, oldest first, opened (each with
// its `fields`). Those this page cannot open are left out.
export async function keptRecords() {
  if (!("indexedDB" in window)) return [];
  // Asked of the server when it can be: right after sign-in, what the device last noted may
  // still be the signed-out session, and the key is fetched here if it is not held yet.
  let session = navigator.onLine ? await currentSession().catch(() => null) : null;
  if (!session || !session.online) {
    session = await withStore(META, "readonly", (store) => store.get("last")).catch(() => null);
  }
  if (!session || !session.signed_in || !session.owner || !session.outbox) return [];
  const records = await withStore(STORE, "readonly", (store) => store.getAll()).catch(() => []);
  const opened = [];
  for (const record of (records || []).filter((r) => r.kept && r.owner === session.owner)) {
    const fields = await fieldsOf(record);
    if (fields) opened.push({ ...record, fields });
  }
  return opened.sort((a, b) => a.kept.at - b.kept.at);
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
      // Never send one person's record under another person's session (the session check
      // above has already deleted such records; one may have arrived since).
      if (record.owner !== session.owner) continue;
      const pairs = await fieldsOf(record);
      if (!pairs) continue;
      try {
        const response = await send(record.url, pairs, session.csrf_token);
        if (response.ok) {
          const body = await response.json().catch(() => ({}));
          await removeIfUnchanged(record);
          sent += 1;
          announce(record, pairs, "sent", response.status, body);
        } else if (!mayPass(response.status) && response.status >= 400 && response.status < 500) {
          const body = await response.json().catch(() => ({}));
          await keepRefused(record, response.status, body);
          announce(record, pairs, keptState(response.status), response.status, body);
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

async function clearRecords() {
  if (!("indexedDB" in window)) return;
  await withStore(STORE, "readwrite", (store) => store.clear());
}

export async function clearAll() {
  if (!("indexedDB" in window)) return;
  await clearRecords().catch(() => {});
  await withStore(META, "readwrite", (store) => store.clear()).catch(() => {});
}

// Signing out on a personal device: sealed records stay (unreadable until the same person
// signs in again); anything kept in the clear goes, and so does the key.
export async function forgetReadable() {
  lock();
  if (!("indexedDB" in window)) return;
  await withStore(STORE, "readwrite", (store) => {
    const all = store.getAll();
    all.onsuccess = () => {
      for (const record of all.result || []) if (!record.sealed) store.delete(record.uuid);
    };
  }).catch(() => {});
  await withStore(META, "readwrite", (store) => store.clear()).catch(() => {});
}
