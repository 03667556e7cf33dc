import type { Connection } from '../engine/connection.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { NodeSseSink, type NodeResponse } from './node-sse-sink.js';
import { SseChannel } from './sse-channel.js';
import type { TurnBatching } from './write-batching.js';

/** The headers of every SSE stream's head, beside whatever CORS and the session cookie add. */
export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
} as const;

/** What every SSE stream of one endpoint shares, whichever way it was opened (the Hono route or `attach`). */
export interface NodeSseStreamOptions {
  retryMs: number;
  maxBufferedBytes: number;
  /** The endpoint's one keepalive timer. */
  ticker: KeepAliveTicker;
  /** Shared with the event endpoint, which answers an event only once its frames have left. */
  turnBatching?: TurnBatching;
}

/**
 * Writes an SSE stream's head (`headers`, already complete) to Node's response and opens the client's stream
 * on the engine; the response's `close` unregisters it. From here on the stream holds the response, its
 * caller and nothing of the request.
 */
export function openNodeSseStream(
  engine: NascEngine,
  caller: Caller,
  outgoing: NodeResponse,
  headers: Record<string, string | string[]>,
  options: NodeSseStreamOptions,
): void {
  let connection: Connection | undefined;
  outgoing.writeHead(200, headers);
  const sink = new NodeSseSink(outgoing, options.maxBufferedBytes, options.turnBatching);
  const channel = new SseChannel(sink, {
    retryMs: options.retryMs,
    ticker: options.ticker,
    onClose: () => connection && engine.close(connection),
    observed: { observer: engine.observer, caller },
  });
  outgoing.once('close', () => channel.ended());
  connection = engine.open(caller, channel);
}
