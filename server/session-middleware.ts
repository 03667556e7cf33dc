import type { Context, MiddlewareHandler } from 'hono';
import { setCookie } from 'hono/cookie';
import { serialize } from 'hono/utils/cookie';
import { jsonError } from './json-error.js';
import { requestOrigin } from './request-origin.js';
import type { SessionCodec } from './session-codec.js';
import { cookieValue } from './cookie-value.js';

/** How the session cookie is set. */
export interface SessionCookieOptions {
  /** Cookie name (default `nasc_session`). */
  name?: string;
  /** `Lax` (default) works for the same site, other ports and subdomains included; `None` for other sites (needs HTTPS). */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Cookie path (default `/`). */
  path?: string;
}

/**
 * The `Set-Cookie` value a request was given, if it got a new session: a WebSocket upgrade answers with a
 * response of its own, which must carry it too.
 */
export function issuedSessionCookie(c: Context): string | undefined {
  return c.get('nascSetCookie' as never) as string | undefined;
}

/** The session id a request carries, once {@link sessionMiddleware} checked it. */
export function requestSession(c: Context): string {
  const session = c.get('nascSession' as never) as string | undefined;
  if (!session) throw new Error('sessionMiddleware did not run for this route');
  return session;
}

/**
 * Binds requests to a server-issued session: an HttpOnly, SameSite cookie holding a signed session id.
 * Routes that open a stream (`issue: true`) give a new session to a caller without a valid one; other routes
 * refuse such callers with 403, since a missing or forged cookie means the event cannot be tied to a stream.
 */
export function sessionMiddleware(
  codec: SessionCodec,
  options: SessionCookieOptions & { issue: boolean; trustProxy?: boolean },
): MiddlewareHandler {
  const name = options.name ?? 'nasc_session';
  const sameSite = options.sameSite ?? 'Lax';
  const path = options.path ?? '/';
  return async function nascSession(c, next) {
    let session = codec.verify(cookieValue(c.req.header('Cookie'), name));
    if (!session) {
      if (!options.issue) {
        return jsonError(c, 403, 'no_session', 'No valid session: open the event stream first (it sets the session cookie).');
      }
      const issued = codec.issue();
      session = issued.id;
      const attributes = { httpOnly: true, sameSite, path, secure: sameSite === 'None' || requestOrigin(c, options.trustProxy ?? false).startsWith('https:') } as const;
      setCookie(c, name, issued.token, attributes);
      c.set('nascSetCookie' as never, serialize(name, issued.token, attributes) as never);
    }
    c.set('nascSession' as never, session as never);
    await next();
  };
}
