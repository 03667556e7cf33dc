import type { Context, MiddlewareHandler } from 'hono';
import { jsonError } from './json-error.js';
import { requestOrigin } from './request-origin.js';
import type { SessionCodec } from './session-codec.js';
import { issueSession, sessionCookieSettings, verifySession, type SessionCookieOptions } from './session-cookie.js';

export type { SessionCookieOptions } from './session-cookie.js';

/** What a request without a valid session cookie is told (403 `no_session`). */
export const NO_SESSION_MESSAGE = 'No valid session: open the event stream first (it sets the session cookie).';

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
  const settings = sessionCookieSettings(options);
  const trustProxy = options.trustProxy ?? false;
  return async function nascSession(c, next) {
    let session = verifySession(codec, c.req.header('Cookie'), settings);
    if (!session) {
      if (!options.issue) {
        return jsonError(c, 403, 'no_session', NO_SESSION_MESSAGE);
      }
      const issued = issueSession(codec, settings, () => requestOrigin(c, trustProxy).startsWith('https:'));
      session = issued.session;
      c.header('Set-Cookie', issued.setCookie, { append: true });
      c.set('nascSetCookie' as never, issued.setCookie as never);
    }
    c.set('nascSession' as never, session as never);
    await next();
  };
}
