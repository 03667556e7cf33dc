import { serialize } from 'hono/utils/cookie';
import { cookieValue } from './cookie-value.js';
import type { SessionCodec } from './session-codec.js';

/** How the session cookie is set. */
export interface SessionCookieOptions {
  /** Cookie name (default `nasc_session`). */
  name?: string;
  /** `Lax` (default) works for the same site, other ports and subdomains included; `None` for other sites (needs HTTPS). */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Cookie path (default `/`). */
  path?: string;
}

/** {@link SessionCookieOptions} with every default filled in. */
export type SessionCookieSettings = Required<SessionCookieOptions>;

/** A request's session, and the `Set-Cookie` to answer with when it is a new one. */
export interface RequestSession {
  session: string;
  setCookie?: string;
}

/** Fills in the defaults of {@link SessionCookieOptions}. */
export function sessionCookieSettings(options: SessionCookieOptions = {}): SessionCookieSettings {
  return { name: options.name ?? 'nasc_session', sameSite: options.sameSite ?? 'Lax', path: options.path ?? '/' };
}

/** The session id a `Cookie` header carries, when its session cookie is valid (forged or absent: undefined). */
export function verifySession(codec: SessionCodec, cookieHeader: string | undefined, settings: SessionCookieSettings): string | undefined {
  return codec.verify(cookieValue(cookieHeader, settings.name));
}

/**
 * A new session and its cookie: `HttpOnly`, the configured `SameSite` and `Path`, and `Secure` over HTTPS
 * (and always with `SameSite=None`, which browsers refuse without it). `https` is asked only here, so callers
 * pay for working out the page's origin only when a cookie is issued. Throws for a `__Host-` or `__Secure-`
 * name that cannot be `Secure`.
 */
export function issueSession(codec: SessionCodec, settings: SessionCookieSettings, https: () => boolean): Required<RequestSession> {
  const issued = codec.issue();
  const attributes = { httpOnly: true, sameSite: settings.sameSite, path: settings.path, secure: settings.sameSite === 'None' || https() } as const;
  return { session: issued.id, setCookie: serialize(settings.name, issued.token, attributes) };
}

/** The request's own session when its cookie is valid, else a new one: what opening a stream does. */
export function openSession(codec: SessionCodec, cookieHeader: string | undefined, settings: SessionCookieSettings, https: () => boolean): RequestSession {
  const session = verifySession(codec, cookieHeader, settings);
  return session === undefined ? issueSession(codec, settings, https) : { session };
}
