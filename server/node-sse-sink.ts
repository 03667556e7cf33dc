import type { SseSink } from './sse-channel.js';

/** The part of Node's `http.ServerResponse` an SSE stream writes to. */
export interface NodeResponse {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly headersSent: boolean;
  readonly socket?: { uncork(): void } | null;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * An SSE stream written straight to Node's response (its head already written): a frame is one `write`,
 * with no web stream, encoder or pipe in between, which cost promises per frame and kilobytes per idle
 * stream, and each frame leaves at once. (Holding frames back to send several together would let the event's
 * 202 reach the browser before its patches, which then wait behind the fetch's resolution.)
 */
export class NodeSseSink implements SseSink {
  readonly #response: NodeResponse;
  readonly #maxBufferedBytes: number;

  constructor(response: NodeResponse, maxBufferedBytes: number) {
    this.#response = response;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  write(chunk: string): boolean {
    this.#response.write(chunk);
    // Node corks the socket on a write and sends at the next tick, which comes after every pending
    // microtask: after the event's own 202, written meanwhile. Sent now, the patches lead (~15 µs sooner).
    this.#response.socket?.uncork();
    return this.#response.writableLength <= this.#maxBufferedBytes;
  }

  end(chunk: string): void {
    this.#response.end(chunk);
  }

  cut(): void {
    this.#response.destroy();
  }
}
