/** sessionStorage when the browser allows it (it throws in some privacy modes and sandboxed frames). */
export function tabStorage(): Storage | undefined {
  try {
    const storage = globalThis.sessionStorage;
    const probe = '__nasc_probe__';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

/** A random id of 128 bits (a UUID has only 122), from the platform's CSPRNG, as 22 base64url characters. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const CLIENT_ID_KEY = 'nasc:clientId';

/**
 * This tab's client id: random, kept in sessionStorage so a reload resumes the same stream and event queue,
 * while another tab (its own sessionStorage) gets its own id. `slot` tells apart several connections of one
 * page (the page's own is 0), so they never share an id.
 */
export function tabClientId(slot = 0): string {
  const existing = tabStorage()?.getItem(slotKey(slot));
  if (existing && /^[\w-]{16,64}$/.test(existing)) return existing;
  return newTabClientId(slot);
}

/** Gives this tab a fresh client id (the old one turned out to be another session's). */
export function newTabClientId(slot = 0): string {
  const id = randomId();
  tabStorage()?.setItem(slotKey(slot), id);
  return id;
}

function slotKey(slot: number): string {
  return slot === 0 ? CLIENT_ID_KEY : `${CLIENT_ID_KEY}:${slot}`;
}
