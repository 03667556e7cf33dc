import { formatSseComment, formatSseRetry, SSE_KEEPALIVE } from '../protocol/index.js';
import type { ClientChannel, Connection } from './connection.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { SseFrames } from './sse-frames.js';

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
}

/**
 * One SSE stream as a {@link ClientChannel}: frames with the resume cursor, keepalives from the route's
 * shared ticker, and a bounded buffer: a client that cannot keep up is cut instead of being fed a gap, and
 * resumes from its `Last-Event-ID` cursor.
 */
export class SseChannel implements ClientChannel {
  readonly #sink: SseSink;
  readonly #ticker: KeepAliveTicker;
  readonly #onClose: () => void;
  readonly #frames = new SseFrames();
  #closed = false;

  constructor(sink: SseSink, options: SseChannelOptions) {
    this.#sink = sink;
    this.#ticker = options.ticker;
    this.#onClose = options.onClose;
    sink.write(formatSseRetry(options.retryMs));
    this.#ticker.add(this);
  }

  send(message: string, connection: Connection): void {
    this.#write(this.#frames.frame(message, connection));
  }

  keepAlive(): void {
    this.#write(SSE_KEEPALIVE);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#sink.end(formatSseComment(reason));
    this.ended();
  }

  /** The stream is over (closed here, cut, or the client went away): stop and unregister, once. */
  ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker.delete(this);
    this.#onClose();
  }

  #write(chunk: string): void {
    if (this.#closed || this.#sink.write(chunk)) return;
    // Drop what is queued and cut the socket: the client reconnects and resumes from its cursor.
    this.#sink.cut();
    this.ended();
  }
}
