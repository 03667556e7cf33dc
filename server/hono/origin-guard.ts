import type { MiddlewareHandler } from 'hono';
import { checkOrigin, type OriginPolicy } from '../security/origin-check.js';
import { jsonError } from '../endpoints/refusal.js';
import { requestHeader } from './request-header.js';
import { requestOrigin } from '../security/request-origin.js';

/**
 * Refuses state-changing requests (the event POST, the WebSocket upgrade) sent by a page of another origin,
 * unless that origin is allowed. `hono/csrf` checks neither JSON POSTs nor WebSocket upgrades, and a browser
 * sends cookies with a cross-site WebSocket, so this check is what stops another site from acting as the
 * visitor. Requests without `Origin` (not from a browser page) pass.
 *
 * @example
 * app.get('/ws', originGuard(originPolicy({ allowedOrigins: ['https://app.example.com'] })), handler);
 */
export function originGuard(policy: OriginPolicy): MiddlewareHandler {
  return async function nascOriginGuard(c, next) {
    const refused = checkOrigin(requestHeader(c, 'origin'), requestHeader(c, 'sec-fetch-site'), () => requestOrigin(c, policy.trustProxy), policy);
    if (refused) return jsonError(c, refused.status, refused.code, refused.message);
    await next();
  };
}
