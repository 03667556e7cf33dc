import type { Handler } from 'hono';
import { isWireId, parseCursor } from '../protocol/index.js';
import type { NascEngine } from './engine.js';
import { jsonError } from './json-error.js';
import { requestSession } from './session-middleware.js';
import { SseChannel } from './sse-channel.js';

/** Options of the SSE endpoint. */
export interface SseRouteOptions {
  keepAliveMs: number;
  retryMs: number;
  maxBufferedBytes: number;
}

/**
 * `GET /events?clientId=…`: the server→client stream. Resumes from `Last-Event-ID` (the browser's own retry)
 * or `?lastEventId=` (a client that reopens the stream itself).
 */
export function sseRoute(engine: NascEngine, options: SseRouteOptions): Handler {
  return function nascEventStream(c) {
    const clientId = c.req.query('clientId');
    if (!isWireId(clientId)) {
      return jsonError(c, 400, 'bad_client_id', 'Query parameter "clientId" must be a non-empty id without control characters.');
    }
    const caller = { session: requestSession(c), clientId };
    const refused = engine.admit(caller);
    if (refused) return jsonError(c, refused.status, refused.code, refused.message, undefined, refused.retryAfterMs);
    const resumeFrom = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId') ?? '';
    const cursor = parseCursor(resumeFrom) ?? [];
    let connection: ReturnType<NascEngine['open']> | undefined;
    const channel = new SseChannel({ ...options, onClose: () => connection && engine.close(connection) });
    connection = engine.open(caller, channel, cursor);
    c.req.raw.signal.addEventListener('abort', () => channel.close('client went away'), { once: true });
    return c.body(channel.stream.pipeThrough(new TextEncoderStream()), 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
  };
}
