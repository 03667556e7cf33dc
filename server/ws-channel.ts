import type { ClientChannel } from './connection.js';

/** The part of a server-side WebSocket the channel uses (the `ws` package's socket fits). */
export interface WebSocketPeer {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  readonly bufferedAmount?: number;
}

const OPEN = 1;
/** [RFC 6455 7.4.1] 1013: "Try Again Later": the client reconnects and resumes from its cursor. */
const TRY_AGAIN_LATER = 1013;
const GOING_AWAY = 1001;

/** One WebSocket as a {@link ClientChannel}; a client whose send buffer passes the bound is disconnected. */
export class WsChannel implements ClientChannel {
  readonly #socket: WebSocketPeer;
  readonly #maxBufferedBytes: number;

  constructor(socket: WebSocketPeer, maxBufferedBytes: number) {
    this.#socket = socket;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  send(message: string): void {
    if (this.#socket.readyState !== OPEN) return;
    if ((this.#socket.bufferedAmount ?? 0) > this.#maxBufferedBytes) {
      this.#socket.close(TRY_AGAIN_LATER, 'client too slow');
      return;
    }
    this.#socket.send(message);
  }

  close(reason: string): void {
    if (this.#socket.readyState === OPEN) this.#socket.close(GOING_AWAY, reason.slice(0, 120));
  }
}
