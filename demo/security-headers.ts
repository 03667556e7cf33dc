import type { MiddlewareHandler } from 'hono';

/**
 * The demo's Content-Security-Policy: scripts, styles, images and connections from this origin only, no
 * inline script or style, no plugins, no framing. The Nasc elements need nothing more (`connect-src 'self'`
 * covers the same-origin WebSocket too).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

/**
 * Adds the security headers to the demo's own responses (pages, scripts, styles). Responses of the Nasc
 * routes under `skipPrefix` are left as they are: streams and upgrades carry no document.
 */
export function securityHeaders(skipPrefix = '/nasc/'): MiddlewareHandler {
  return async function demoSecurityHeaders(c, next) {
    await next();
    if (c.req.path.startsWith(skipPrefix)) return;
    for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
  };
}
