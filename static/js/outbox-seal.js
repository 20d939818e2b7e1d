// Sealing what the offline outbox keeps on the phone. Words kept in IndexedDB are encrypted
// with AES-GCM under the signed-in person's own key, which the server hands only to them
// (/outbox/key, behind sign-in, never cached). The page holds it in memory only, imported as
// a key it cannot export: once the session ends (sign-out, idle timeout, expiry, a
// deactivated account) no page can get it, so nothing kept on the device can be read there.
// When the same person signs in again the server hands back the same key, and what they
// wrote can be offered back to them.
const KEY_URL = "/outbox/key";
let held = null; // { owner, key }
let asking = null; // { owner, promise }: one request for the key at a time

export function sealingAvailable() {
  return !!(window.crypto && crypto.subtle && window.TextEncoder);
}

// Ask the server for the person's key, once per page. Resolves to whether it is held.
export async function unlock(owner) {
  if (!owner || !sealingAvailable()) return false;
  if (held && held.owner === owner) return true;
  if (asking && asking.owner === owner) return asking.promise;
  held = null;
  const promise = fetchKey(owner).finally(() => { if (asking && asking.promise === promise) asking = null; });
  asking = { owner, promise };
  return promise;
}

async function fetchKey(owner) {
  try {
    // A session that has ended is sent to sign in: that redirect is not followed.
    const response = await fetch(KEY_URL, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
    if (!response.ok) return false;
    const body = await response.json();
    if (!body || !body.key) return false;
    const key = await crypto.subtle.importKey(
      "jwk", { kty: "oct", k: body.key, alg: "A256GCM", ext: false, key_ops: ["encrypt", "decrypt"] },
      { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    held = { owner, key };
    return true;
  } catch (error) {
    return false;
  }
}

// Let the key go (the session ended, or the device is shared). Returns what was held, so
// the one write that met the ended session can still be sealed before it is dropped.
export function lock() {
  const was = held;
  held = null;
  asking = null;
  return was;
}

export function holds(owner) {
  return !!(held && owner && held.owner === owner);
}

function ownerBytes(owner) {
  return new TextEncoder().encode(`tend-outbox:${owner}`);
}

// The fields, encrypted; the owner is bound in, so a record cannot pass as another's.
export async function seal(pairs, sealer = held) {
  if (!sealer) throw new Error("no key");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: ownerBytes(sealer.owner) }, sealer.key,
    new TextEncoder().encode(JSON.stringify(pairs)));
  return { iv, data };
}

// The fields back, or null when they cannot be read with the key held (another person's,
// a key that changed, a damaged record).
export async function unseal(record) {
  if (!held || record.owner !== held.owner || !record.sealed) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: record.sealed.iv, additionalData: ownerBytes(held.owner) }, held.key,
      record.sealed.data);
    const pairs = JSON.parse(new TextDecoder().decode(plain));
    return Array.isArray(pairs) ? pairs : null;
  } catch (error) {
    return null;
  }
}
