import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { retryAfterSeconds, type Answer } from '../endpoints/refusal.js';

/**
 * The headers the `cors` middleware `createNasc` installs (for `allowedOrigins`) adds to an answer on the
 * Hono routes, for what `attach` answers itself: nothing when no other origin is allowed.
 */
export function corsHeaders(origin: string | undefined, corsOrigins: ReadonlySet<string>): OutgoingHttpHeaders {
  if (corsOrigins.size === 0) return {};
  const headers: OutgoingHttpHeaders = {};
  if (origin !== undefined && corsOrigins.has(origin)) headers['access-control-allow-origin'] = origin;
  headers['access-control-allow-credentials'] = 'true';
  headers.vary = 'Origin';
  return headers;
}

/**
 * Writes a JSON answer of `attach`'s as the Hono routes write theirs: `Content-Type`, `Retry-After` for a
 * wait, the CORS headers, and the `Set-Cookie` of a session issued on the way. Nothing when the response is
 * already gone. `bodyRead`: the whole body was read (the connection can carry the next request).
 */
export function writeJsonAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  answer: Answer,
  corsOrigins: ReadonlySet<string>,
  setCookie?: string,
  bodyRead = false,
): void {
  if (response.headersSent || response.destroyed) return;
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) };
  if (answer.retryAfterMs !== undefined) headers['retry-after'] = retryAfterSeconds(answer.retryAfterMs);
  Object.assign(headers, corsHeaders(request.headers.origin, corsOrigins));
  if (setCookie !== undefined) headers['set-cookie'] = setCookie;
  // A body refused unread (too large) would otherwise be read to its end before the next request. (A request
  // without a body, a stream's GET, is not `complete` yet while its `request` event runs: nothing is unread.)
  // A body read whole from Node's buffer leaves `complete` false until the parser's next callback, which can
  // come after an answer that needed no other wait: that connection stays open.
  const declaresBody = (request.headers['content-length'] ?? '0') !== '0' || request.headers['transfer-encoding'] !== undefined;
  if (!bodyRead && !request.complete && declaresBody) headers.connection = 'close';
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}
