import type { Context, MiddlewareHandler } from 'hono';
import { requestOrigin } from '../security/request-origin.js';
import type { SessionCodec } from '../security/session-codec.js';
import { issueSession, sessionCookieSettings, verifySession, type SessionCookieOptions } from '../security/session-cookie.js';

export type { SessionCookieOptions } from '../security/session-cookie.js';

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
 * Binds a stream's opening request (SSE or WebSocket) to a server-issued session: an HttpOnly, SameSite
 * cookie holding a signed session id, given anew to a caller without a valid one. (`POST /event` never
 * issues one: it checks the cookie itself and refuses a request without it.)
 */
export function sessionMiddleware(codec: SessionCodec, options: SessionCookieOptions & { trustProxy?: boolean }): MiddlewareHandler {
  const settings = sessionCookieSettings(options);
  const trustProxy = options.trustProxy ?? false;
  return async function nascSession(c, next) {
    let session = verifySession(codec, c.req.header('Cookie'), settings);
    if (!session) {
      const issued = issueSession(codec, settings, () => requestOrigin(c, trustProxy).startsWith('https:'));
      session = issued.session;
      c.header('Set-Cookie', issued.setCookie, { append: true });
      c.set('nascSetCookie' as never, issued.setCookie as never);
    }
    c.set('nascSession' as never, session as never);
    await next();
  };
}
