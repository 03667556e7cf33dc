import { formatSseComment, formatSseRetry, SSE_KEEPALIVE } from '../protocol/index.js';
import type { ClientChannel, Connection } from './connection.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { SseFrames } from './sse-frames.js';

/** Options of one SSE stream. */
export interface SseChannelOptions {
  retryMs: number;
  /** Bytes that may wait for a slow client before its stream is cut (it then resumes from its cursor). */
  maxBufferedBytes: number;
  ticker: KeepAliveTicker;
  onClose: () => void;
}

/**
 * One SSE stream as the body of a streaming `Response`: the portable path, for runtimes other than Node
 * and for `app.request()` (on Node, {@link NodeSseChannel} writes to the socket directly). The queue in front
 * of the socket is bounded; a client that cannot keep up is disconnected instead of being fed a gap, and
 * resumes from its `Last-Event-ID` cursor.
 */
export class SseChannel implements ClientChannel {
  readonly stream: ReadableStream<string>;
  #controller!: ReadableStreamDefaultController<string>;
  readonly #ticker: KeepAliveTicker;
  readonly #frames = new SseFrames();
  #closed = false;
  readonly #onClose: () => void;

  constructor(options: SseChannelOptions) {
    this.#onClose = options.onClose;
    this.#ticker = options.ticker;
    this.stream = new ReadableStream<string>(
      {
        start: (controller) => {
          this.#controller = controller;
          controller.enqueue(formatSseRetry(options.retryMs));
        },
        cancel: () => this.#finish(),
      },
      { highWaterMark: options.maxBufferedBytes, size: (chunk) => chunk.length },
    );
    this.#ticker.add(this);
  }

  send(message: string, connection: Connection): void {
    this.#enqueue(this.#frames.frame(message, connection));
  }

  keepAlive(): void {
    this.#enqueue(SSE_KEEPALIVE);
  }

  close(reason: string): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(formatSseComment(reason));
      this.#controller.close();
    } catch {
      // Already closed by the client.
    }
    this.#finish();
  }

  #enqueue(chunk: string): void {
    if (this.#closed) return;
    this.#controller.enqueue(chunk);
    if ((this.#controller.desiredSize ?? 0) < 0) {
      // Drop what is queued and cut the socket: the client reconnects and resumes from its cursor.
      this.#controller.error(new Error('client too slow: buffer overflow'));
      this.#finish();
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker.delete(this);
    this.#onClose();
  }
}
