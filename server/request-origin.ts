import type { Context } from 'hono';

/**
 * The origin the browser sees for this request. Behind a proxy that ends TLS, Node sees `http://internal`;
 * with `trustProxy` the `X-Forwarded-Proto` and `X-Forwarded-Host` headers say what the page used. Only
 * trust them when a proxy you run sets them (and strips them from clients).
 */
export function requestOrigin(c: Context, trustProxy: boolean): string {
  const url = new URL(c.req.url);
  if (!trustProxy) return url.origin;
  const proto = c.req.header('X-Forwarded-Proto')?.split(',')[0]?.trim();
  const host = c.req.header('X-Forwarded-Host')?.split(',')[0]?.trim();
  const protocol = proto === 'https' || proto === 'http' ? `${proto}:` : url.protocol;
  try {
    return new URL(`${protocol}//${host || url.host}`).origin;
  } catch {
    return url.origin;
  }
}
