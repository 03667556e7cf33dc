import { formatSseMessage, formatSseRetry, SSE_KEEPALIVE } from '../protocol/index.js';
import type { ClientChannel, Connection } from './connection.js';

/** Options of one SSE stream. */
export interface SseChannelOptions {
  keepAliveMs: number;
  retryMs: number;
  /** Bytes that may wait for a slow client before its stream is cut (it then resumes from its cursor). */
  maxBufferedBytes: number;
  onClose: () => void;
}

/**
 * One SSE stream as a {@link ClientChannel}: the body of a streaming `Response`. The queue in front of the
 * socket is bounded; a client that cannot keep up is disconnected instead of being fed a gap, and resumes
 * from its `Last-Event-ID` cursor.
 */
export class SseChannel implements ClientChannel {
  readonly stream: ReadableStream<string>;
  #controller!: ReadableStreamDefaultController<string>;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #statedCursor = false;
  readonly #onClose: () => void;

  constructor(options: SseChannelOptions) {
    this.#onClose = options.onClose;
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
    this.#keepAlive = setInterval(() => this.#enqueue(SSE_KEEPALIVE), options.keepAliveMs);
    this.#keepAlive.unref?.();
  }

  send(message: string, connection: Connection): void {
    // A resumed stream gets its positions back only after it opened (and after the opening `[]`): until it
    // has delivered one, its cursor is empty, and an empty `id:` would wipe the Last-Event-ID the browser
    // resumes from. So no `id:` until there is a position to state.
    if (!this.#statedCursor && connection.positions.size === 0) {
      this.#enqueue(formatSseMessage({ data: message }));
      return;
    }
    this.#statedCursor = true;
    this.#enqueue(formatSseMessage({ data: message, id: connection.cursor }));
  }

  close(reason: string): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(`: ${reason.replace(/[\r\n]/g, ' ')}\n\n`);
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
    clearInterval(this.#keepAlive);
    this.#onClose();
  }
}
