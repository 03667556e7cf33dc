import { timingSafeEqual } from 'node:crypto';
import { serialize } from 'hono/utils/cookie';
import { cookieValue } from './cookie-value.js';
import type { SessionCodec } from './session-codec.js';
import type { SessionCookieSettings } from './session-cookie.js';

/** How long a flash waits for the page it was meant for: the redirect that follows it is immediate. */
const FLASH_MAX_AGE_SECONDS = 60;
/** Longest sealed flash: well under a browser's 4 KB per cookie. */
const MAX_FLASH_CHARS = 3_000;
const PURPOSE = 'nasc-flash';

/** The flash cookie's name: the session cookie's with `_flash` (so a `__Host-` prefix carries over). */
export function flashCookieName(settings: SessionCookieSettings): string {
  return `${settings.name}_flash`;
}

/**
 * A `Set-Cookie` carrying `value` (JSON text) to the next page this session renders, after a form POST's
 * redirect: never in the URL, signed for this session alone (another session, or a page on another site
 * that sets cookies for this one, cannot plant a message), `HttpOnly`, with the session cookie's `SameSite`,
 * `Path` and `Secure`, and gone after a minute. `undefined` when the value is too long to carry.
 */
export function flashCookie(codec: SessionCodec, settings: SessionCookieSettings, session: string, value: string, https: boolean): string | undefined {
  const payload = Buffer.from(value, 'utf8').toString('base64url');
  if (payload.length > MAX_FLASH_CHARS) return undefined;
  const token = `${payload}.${codec.signature(PURPOSE, `${session}.${payload}`)}`;
  return serialize(flashCookieName(settings), token, { ...attributes(settings, https), maxAge: FLASH_MAX_AGE_SECONDS });
}

/** The JSON text a request's flash cookie carries, when it was sealed for this session; else `undefined`. */
export function readFlash(codec: SessionCodec, settings: SessionCookieSettings, session: string, cookieHeader: string | undefined): string | undefined {
  const token = cookieValue(cookieHeader, flashCookieName(settings));
  const dot = token?.indexOf('.') ?? -1;
  if (!token || dot < 0 || token.length > MAX_FLASH_CHARS + 64) return undefined;
  const payload = token.slice(0, dot);
  const expected = Buffer.from(codec.signature(PURPOSE, `${session}.${payload}`));
  const given = Buffer.from(token.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return Buffer.from(payload, 'base64url').toString('utf8');
}

/** Whether a request carries a flash cookie at all (to clear it once read, or when it is not this session's). */
export function hasFlash(settings: SessionCookieSettings, cookieHeader: string | undefined): boolean {
  return cookieValue(cookieHeader, flashCookieName(settings)) !== undefined;
}

/** The `Set-Cookie` that removes the flash cookie: a flash is shown once. */
export function clearFlashCookie(settings: SessionCookieSettings, https: boolean): string {
  return serialize(flashCookieName(settings), '', { ...attributes(settings, https), maxAge: 0 });
}

function attributes(settings: SessionCookieSettings, https: boolean) {
  return { httpOnly: true, sameSite: settings.sameSite, path: settings.path, secure: settings.sameSite === 'None' || https } as const;
}
