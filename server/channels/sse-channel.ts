import { formatSseComment, formatSseMessage, formatSseRetry, SSE_KEEPALIVE } from '../../protocol/index.js';
import type { ClientChannel } from '../engine/connection.js';
import type { ObservedCaller, Observer } from '../observe/observer.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';

/** Where an SSE stream's text goes: Node's response, or the body of a web `Response`. */
export interface SseSink {
  /** Writes a chunk; false when more than the sink's bound now waits for a slow client. */
  write(chunk: string): boolean;
  /** Writes a last chunk and ends the stream. */
  end(chunk: string): void;
  /** Drops whatever waits and cuts the connection. */
  cut(): void;
}

/** Options of one SSE stream. */
export interface SseChannelOptions {
  retryMs: number;
  ticker: KeepAliveTicker;
  onClose: () => void;
  /** Who is told that the stream opened, what it sent and why it closed, and the stream's caller. */
  observed?: { observer: Observer; caller: ObservedCaller };
}

/**
 * One SSE stream as a {@link ClientChannel}: one `data:` frame per message and no `id:` (a stream's position
 * is the client's to state, in its mounts), keepalives from the route's shared ticker, and a bounded buffer:
 * a client that cannot keep up is cut instead of being fed a gap, and mounts again from where it is.
 */
export class SseChannel implements ClientChannel {
  readonly #sink: SseSink;
  readonly #ticker: KeepAliveTicker;
  readonly #onClose: () => void;
  readonly #observed: SseChannelOptions['observed'];
  #closed = false;
  /** Why the server ended the stream, when it did. */
  #reason: string | undefined;

  constructor(sink: SseSink, options: SseChannelOptions) {
    this.#sink = sink;
    this.#ticker = options.ticker;
    this.#onClose = options.onClose;
    this.#observed = options.observed;
    sink.write(formatSseRetry(options.retryMs));
    this.#ticker.add(this);
    this.#observed?.observer.streamOpened('sse', this.#observed.caller);
  }

  send(message: string): void {
    if (this.#closed) return;
    this.#observed?.observer.sent('sse', message.length);
    // [spec] No CR or LF inside a field value. A message is JSON text, which writes a line break inside a
    // string as `\n`, so it is framed as it is; should one ever hold a line break (a custom broker's doing),
    // formatSseMessage refuses it loudly instead.
    this.#write(message.includes('\n') || message.includes('\r') ? formatSseMessage({ data: message }) : `data: ${message}\n\n`);
  }

  keepAlive(): void {
    this.#write(SSE_KEEPALIVE);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#reason = reason;
    this.#sink.end(formatSseComment(reason));
    this.ended();
  }

  /** The stream is over (closed here, cut, or the client went away): stop and unregister, once. */
  ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker.delete(this);
    this.#onClose();
    this.#observed?.observer.streamClosed('sse', this.#observed.caller, this.#reason ?? 'client went away');
  }

  #write(chunk: string): void {
    if (this.#closed || this.#sink.write(chunk)) return;
    // Drop what is queued and cut the socket: the client reconnects and mounts again from the revisions it holds.
    this.#reason = 'client too slow';
    this.#observed?.observer.cut('sse', 'slow');
    this.#sink.cut();
    this.ended();
  }
}
