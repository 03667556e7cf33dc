import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, Handler } from 'hono';
import { isWireId } from '../../protocol/index.js';
import type { NascEngine } from '../engine/engine.js';
import { CommonRefusals, jsonError, refusalResponse } from '../endpoints/refusal.js';
import type { KeepAliveTicker } from '../channels/keep-alive-ticker.js';
import type { NodeResponse } from '../channels/node-sse-sink.js';
import { openNodeSseStream, SSE_HEADERS } from '../node/node-sse-stream.js';
import { requestSession } from './session-middleware.js';
import { SseChannel } from '../channels/sse-channel.js';
import type { TurnWrites } from '../channels/turn-writes.js';
import { WebSseSink } from '../channels/web-sse-sink.js';

/** Options of the SSE endpoint. */
export interface SseRouteOptions {
  /** The endpoint's one keepalive timer (shared with streams `attach` opens). */
  ticker: KeepAliveTicker;
  retryMs: number;
  maxBufferedBytes: number;
  /** Shared with the event route, which answers an event only once its frames have left. */
  turnWrites?: TurnWrites;
}

/**
 * `GET /events?clientId=…`: the server→client stream. It starts subscribed to nothing: the client mounts
 * its instances (with the revisions it holds) as events, so nothing in the request grows with what it shows.
 */
export function sseRoute(engine: NascEngine, options: SseRouteOptions): Handler {
  const channelOptions = { retryMs: options.retryMs, ticker: options.ticker };
  return function nascEventStream(c) {
    const clientId = c.req.query('clientId');
    if (!isWireId(clientId)) {
      return refusalResponse(c, CommonRefusals.badClientId);
    }
    const caller = { session: requestSession(c), clientId };
    const refused = engine.admit(caller);
    if (refused) return jsonError(c, refused.status, refused.code, refused.message, undefined, refused.retryAfterMs);

    const outgoing = nodeResponseOf(c);
    if (outgoing) {
      // The head carries whatever earlier middleware set (CORS, the session cookie) next to the SSE headers.
      openNodeSseStream(engine, caller, outgoing, toNodeHeaders(c.newResponse(null, 200, SSE_HEADERS).headers), options);
      return RESPONSE_ALREADY_SENT;
    }
    let connection: ReturnType<NascEngine['open']> | undefined;
    const onClose = () => connection && engine.close(connection);
    const sink = new WebSseSink(options.maxBufferedBytes, () => channel.ended());
    const channel = new SseChannel(sink, { ...channelOptions, onClose });
    connection = engine.open(caller, channel);
    c.req.raw.signal.addEventListener('abort', () => channel.close('client went away'), { once: true });
    return c.body(sink.stream.pipeThrough(new TextEncoderStream()), 200, SSE_HEADERS);
  };
}

/** Node's response for this request, when `@hono/node-server` serves it and nothing was written yet. */
function nodeResponseOf(c: Context): NodeResponse | undefined {
  const outgoing = (c.env as { outgoing?: Partial<NodeResponse> } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.writeHead !== 'function' || typeof outgoing.write !== 'function' || outgoing.headersSent !== false) return undefined;
  return outgoing as NodeResponse;
}

function toNodeHeaders(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['set-cookie'] = cookies;
  return record;
}
