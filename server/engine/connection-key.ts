import type { Caller } from './engine-options.js';

/**
 * The keys of the callers that opened streams. A socket passes the caller it opened with along with every
 * event, and a key made once is hashed once: a new one per event costs a string join and a hash in each map
 * it is looked up in. A caller made per request (SSE) is not in it, and a miss for an object never stored
 * costs next to nothing.
 */
const connectionKeys = new WeakMap<Caller, { session: string; clientId: string; key: string }>();

/** The registry key of a client's stream: its client id within its session. */
export function connectionKey(caller: Caller): string {
  const known = connectionKeys.get(caller);
  // Checked, not trusted: a caller object reused with another session or client id gets its own key.
  if (known !== undefined && known.session === caller.session && known.clientId === caller.clientId) return known.key;
  return `${caller.session}\u001f${caller.clientId}`;
}

/** Remembers `caller`'s key (made once, when its stream opens). */
export function rememberConnectionKey(caller: Caller): string {
  const key = connectionKey(caller);
  connectionKeys.set(caller, { session: caller.session, clientId: caller.clientId, key });
  return key;
}
