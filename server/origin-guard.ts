import type { MiddlewareHandler } from 'hono';
import { jsonError } from './json-error.js';
import { requestOrigin } from './request-origin.js';

/**
 * Refuses state-changing requests (the event POST, the WebSocket upgrade) sent by a page of another origin,
 * unless that origin is allowed. `hono/csrf` checks neither JSON POSTs nor WebSocket upgrades, and a browser
 * sends cookies with a cross-site WebSocket, so this check is what stops another site from acting as the
 * visitor. Requests without `Origin` (not from a browser page) pass.
 *
 * @example
 * app.post('/event', originGuard({ allowedOrigins: ['https://app.example.com'] }), handler);
 */
export function originGuard(options: { allowedOrigins: readonly string[]; trustProxy?: boolean }): MiddlewareHandler {
  const trustProxy = options.trustProxy ?? false;
  const allowed = new Set(options.allowedOrigins.map((origin) => new URL(origin).origin));
  return async function nascOriginGuard(c, next) {
    const origin = c.req.header('Origin');
    if (origin !== undefined) {
      const own = requestOrigin(c, trustProxy);
      if (origin !== own && !allowed.has(origin)) {
        return jsonError(c, 403, 'forbidden_origin', 'Requests from this origin are not allowed.');
      }
    } else if (c.req.header('Sec-Fetch-Site') === 'cross-site') {
      return jsonError(c, 403, 'forbidden_origin', 'Cross-site requests are not allowed.');
    }
    await next();
  };
}
