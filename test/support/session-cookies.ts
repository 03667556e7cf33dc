/**
 * The session cookie each test server issued, by origin, so every test client (SSE, WS, POST) sends it as a
 * browser would, without each test handling cookies. Adversarial tests pass their own `cookie` (or `null`).
 */
const cookies = new Map<string, string>();

function originOf(url: string): string {
  const parsed = new URL(url);
  // ws://host:port and http://host:port share the cookie, as in a browser.
  return `${parsed.hostname}:${parsed.port}`;
}

/** Remembers the cookie a server set (`name=value`, from a `Set-Cookie` header). */
export function rememberSessionCookie(url: string, setCookie: string): void {
  cookies.set(originOf(url), setCookie.split(';')[0]!);
}

/** The `Cookie` header to send to `url`, if its server issued one. */
export function sessionCookieFor(url: string): string | undefined {
  return cookies.get(originOf(url));
}

/** The Cookie header for a request: an explicit `cookie` (null = none), else the remembered one. */
export function cookieHeader(url: string, cookie: string | null | undefined): Record<string, string> {
  const value = cookie === undefined ? sessionCookieFor(url) : cookie;
  return value ? { Cookie: value } : {};
}
