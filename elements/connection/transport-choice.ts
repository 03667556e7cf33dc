import { TransportKind } from './transport.js';

/** What the page asks for: a transport, or `auto` (URL, then scopes, then SSE). */
export type TransportPreference = TransportKind | 'auto';

/** Where the server's routes are when nothing else says: next to the bundle (set by its entry), else `/nasc/`. */
export let defaultBase: string | URL = '/nasc/';

/** Sets where the page connection finds the server when nothing else says (the bundle uses its own URL). */
export function setDefaultBase(base: string | URL): void {
  defaultBase = base;
}

export function toBaseUrl(base: string | URL): URL {
  const url = new URL(base, typeof location === 'undefined' ? 'http://localhost/' : location.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * The transport rule, applied once: `?transport=` in the page URL, else `transport="ws"` on any `<na-scope>`
 * present now, else the page-level setting, else SSE.
 */
export function chooseTransport(preference: TransportPreference): TransportKind {
  const fromUrl = new URLSearchParams(location.search).get('transport');
  if (fromUrl === TransportKind.Ws || fromUrl === TransportKind.Sse) return fromUrl;
  if (document.querySelector('na-scope[transport="ws"], na-scope[na-transport="ws"]')) return TransportKind.Ws;
  if (preference === TransportKind.Ws || preference === TransportKind.Sse) return preference;
  return TransportKind.Sse;
}
