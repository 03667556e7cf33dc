import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, Handler } from 'hono';
import type { NascEngine } from '../engine/engine.js';
import type { Connection } from '../engine/connection.js';
import type { StreamEndpoint } from '../endpoints/stream-endpoint.js';
import { SseChannel } from '../channels/sse-channel.js';
import type { NodeResponse } from '../channels/node-sse-sink.js';
import { WebSseSink } from '../channels/web-sse-sink.js';
import { openNodeSseStream, SSE_HEADERS, type NodeSseStreamOptions } from '../channels/node-sse-stream.js';
import { writeRefusal } from './answer.js';
import { honoRequestParts, nodeEnv } from './hono-request.js';

/**
 * `GET /events?clientId=…`: the server→client stream, admitted by the {@link StreamEndpoint}. It starts
 * subscribed to nothing: the client mounts its instances (with the revisions it holds) as events, so nothing
 * in the request grows with what it shows. On Node the stream is written straight to the socket; elsewhere it
 * is the body of a web `Response`.
 */
export function sseRoute(engine: NascEngine, streams: StreamEndpoint, options: NodeSseStreamOptions, trustProxy: boolean): Handler {
  return function nascEventStream(c) {
    const admission = streams.admit({ ...honoRequestParts(c, trustProxy), clientId: c.req.query('clientId') });
    if (admission.setCookie !== undefined) c.header('Set-Cookie', admission.setCookie, { append: true });
    if (!admission.ok) return writeRefusal(c, admission.refusal);
    const caller = admission.caller;
    const outgoing = nodeResponseOf(c);
    if (outgoing) {
      // The head carries whatever earlier middleware set (CORS, the session cookie) next to the SSE headers.
      openNodeSseStream(engine, caller, outgoing, toNodeHeaders(c.newResponse(null, 200, SSE_HEADERS).headers), options);
      return RESPONSE_ALREADY_SENT;
    }
    let connection: Connection | undefined;
    const sink = new WebSseSink(options.maxBufferedBytes, () => channel.ended());
    const channel = new SseChannel(sink, {
      retryMs: options.retryMs,
      ticker: options.ticker,
      onClose: () => connection && engine.close(connection),
      observed: { observer: engine.observer, caller },
    });
    connection = engine.open(caller, channel);
    c.req.raw.signal.addEventListener('abort', () => channel.close('client went away'), { once: true });
    return c.body(sink.stream.pipeThrough(new TextEncoderStream()), 200, SSE_HEADERS);
  };
}

/** Node's response for this request, when `@hono/node-server` serves it and nothing was written yet. */
function nodeResponseOf(c: Context): NodeResponse | undefined {
  const outgoing = nodeEnv(c)?.outgoing as Partial<NodeResponse> | undefined;
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
