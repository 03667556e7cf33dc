import { formatSseComment, formatSseRetry, SSE_KEEPALIVE } from '../protocol/index.js';
import type { ClientChannel, Connection } from './connection.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { SseFrames } from './sse-frames.js';

/** The part of Node's `http.ServerResponse` an SSE stream writes to. */
export interface NodeResponseSink {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly headersSent: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** Options of one Node SSE stream. */
export interface NodeSseChannelOptions {
  retryMs: number;
  /** Bytes that may wait for a slow client before its stream is cut (it then resumes from its cursor). */
  maxBufferedBytes: number;
  ticker: KeepAliveTicker;
  onClose: () => void;
}

/**
 * One SSE stream written straight to Node's response: a frame is one `write`, with no web stream, encoder or
 * pipe in between (each costs promises per frame and kilobytes per idle stream). A client that lets more
 * than `maxBufferedBytes` queue is cut instead of being fed a gap, and resumes from its cursor.
 */
export class NodeSseChannel implements ClientChannel {
  readonly #response: NodeResponseSink;
  readonly #maxBufferedBytes: number;
  readonly #ticker: KeepAliveTicker;
  readonly #onClose: () => void;
  readonly #frames = new SseFrames();
  #closed = false;

  /** `response` has had its head written. */
  constructor(response: NodeResponseSink, options: NodeSseChannelOptions) {
    this.#response = response;
    this.#maxBufferedBytes = options.maxBufferedBytes;
    this.#ticker = options.ticker;
    this.#onClose = options.onClose;
    response.once('close', () => this.#finish());
    response.write(formatSseRetry(options.retryMs));
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
    this.#response.end(formatSseComment(reason));
    this.#finish();
  }

  #write(chunk: string): void {
    if (this.#closed) return;
    this.#response.write(chunk);
    if (this.#response.writableLength > this.#maxBufferedBytes) {
      // Drop what is queued and cut the socket: the client reconnects and resumes from its cursor.
      this.#response.destroy();
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
