import type { SseSink } from './sse-channel.js';
import type { CorkableSocket, TurnBatching } from './write-batching.js';

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
 * stream. A frame leaves at once, or, with `turn`, at the end of its event-loop turn with the turn's other
 * frames to this stream (see {@link TurnBatching}).
 */
export class NodeSseSink implements SseSink {
  readonly #response: NodeResponse;
  readonly #maxBufferedBytes: number;
  readonly #turn: TurnBatching | undefined;

  constructor(response: NodeResponse, maxBufferedBytes: number, turn?: TurnBatching) {
    this.#response = response;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#turn = turn;
  }

  write(chunk: string): boolean {
    this.#response.write(chunk);
    const socket = this.#response.socket;
    // Node corks the socket on a write and sends at the next tick, which comes after every pending
    // microtask: after the event's own 202, written meanwhile. Sent now, the patches lead.
    if (socket && this.#turn) this.#turn.written(socket);
    else socket?.uncork();
    return this.#response.writableLength <= this.#maxBufferedBytes;
  }

  end(chunk: string): void {
    this.#response.end(chunk);
  }

  cut(): void {
    this.#response.destroy();
  }
}
