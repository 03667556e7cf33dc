import type { SseSink } from './sse-channel.js';
import { coalesceWrites, type CorkableSocket } from './write-coalescing.js';

/** The part of Node's `http.ServerResponse` an SSE stream writes to. */
export interface NodeResponse {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly headersSent: boolean;
  readonly socket?: CorkableSocket | null;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * An SSE stream written straight to Node's response (its head already written): a frame is one `write`,
 * with no web stream, encoder or pipe in between, which cost promises per frame and kilobytes per idle
 * stream. Frames written in one turn of the event loop leave in one syscall ({@link coalesceWrites}).
 */
export class NodeSseSink implements SseSink {
  readonly #response: NodeResponse;
  readonly #maxBufferedBytes: number;

  constructor(response: NodeResponse, maxBufferedBytes: number) {
    this.#response = response;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  write(chunk: string): boolean {
    const socket = this.#response.socket;
    if (socket) coalesceWrites(socket);
    this.#response.write(chunk);
    return this.#response.writableLength <= this.#maxBufferedBytes;
  }

  end(chunk: string): void {
    this.#response.end(chunk);
  }

  cut(): void {
    this.#response.destroy();
  }
}
