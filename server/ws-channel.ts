import type { ClientChannel } from './connection.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { coalesceWrites, type CorkableSocket } from './write-coalescing.js';

/** The part of a server-side WebSocket the channel uses (the `ws` package's socket fits). */
export interface WebSocketPeer {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  readonly bufferedAmount?: number;
  ping?(): void;
  terminate?(): void;
  on?(event: 'pong', listener: () => void): unknown;
}

/** Options of one {@link WsChannel}. */
export interface WsChannelOptions {
  /** Bytes that may wait for a slow client before it is disconnected. */
  maxBufferedBytes: number;
  /** Pings this socket on each tick (shared by the route's sockets); none without it. */
  ticker?: KeepAliveTicker;
  /** The TCP socket under the WebSocket: frames written in one loop turn then leave in one syscall. */
  transport?: CorkableSocket;
}

const OPEN = 1;
/** [RFC 6455 7.4.1] 1013: "Try Again Later": the client reconnects and resumes from its cursor. */
const TRY_AGAIN_LATER = 1013;
const GOING_AWAY = 1001;

/**
 * One WebSocket as a {@link ClientChannel}. A client whose send buffer passes the bound is disconnected. Pings
 * on the route's keepalive tick keep proxies from closing a quiet socket, and a socket that missed a pong is
 * cut, so a vanished client does not hold its subscriptions.
 */
export class WsChannel implements ClientChannel {
  readonly #socket: WebSocketPeer;
  readonly #maxBufferedBytes: number;
  readonly #ticker: KeepAliveTicker | undefined;
  readonly #transport: CorkableSocket | undefined;
  #answered = true;

  constructor(socket: WebSocketPeer, options: WsChannelOptions) {
    this.#socket = socket;
    this.#maxBufferedBytes = options.maxBufferedBytes;
    this.#transport = options.transport;
    if (options.ticker && socket.ping && socket.on) {
      this.#ticker = options.ticker;
      socket.on('pong', () => (this.#answered = true));
      this.#ticker.add(this);
    }
  }

  /** One keepalive tick: cut a socket that did not answer the last ping, else ping it. */
  keepAlive(): void {
    if (this.#socket.readyState !== OPEN) return this.stop();
    if (!this.#answered) {
      this.stop();
      this.#socket.terminate?.();
      return;
    }
    this.#answered = false;
    this.#socket.ping?.();
  }

  /** Stops the pings (the socket closed). */
  stop(): void {
    this.#ticker?.delete(this);
  }

  send(message: string): void {
    if (this.#socket.readyState !== OPEN) return;
    if ((this.#socket.bufferedAmount ?? 0) > this.#maxBufferedBytes) {
      this.#socket.close(TRY_AGAIN_LATER, 'client too slow');
      return;
    }
    if (this.#transport) coalesceWrites(this.#transport);
    this.#socket.send(message);
  }

  close(reason: string): void {
    this.stop();
    if (this.#socket.readyState === OPEN) this.#socket.close(GOING_AWAY, reason.slice(0, 120));
  }
}
