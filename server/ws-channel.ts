import type { ClientChannel } from './connection.js';

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

const OPEN = 1;
/** [RFC 6455 7.4.1] 1013: "Try Again Later": the client reconnects and resumes from its cursor. */
const TRY_AGAIN_LATER = 1013;
const GOING_AWAY = 1001;

/**
 * One WebSocket as a {@link ClientChannel}. A client whose send buffer passes the bound is disconnected. Pings
 * every `keepAliveMs` keep proxies from closing a quiet socket, and a socket that missed a pong is cut, so a
 * vanished client does not hold its subscriptions.
 */
export class WsChannel implements ClientChannel {
  readonly #socket: WebSocketPeer;
  readonly #maxBufferedBytes: number;
  readonly #keepAlive: ReturnType<typeof setInterval> | undefined;
  #answered = true;

  constructor(socket: WebSocketPeer, maxBufferedBytes: number, keepAliveMs = 0) {
    this.#socket = socket;
    this.#maxBufferedBytes = maxBufferedBytes;
    if (keepAliveMs > 0 && socket.ping && socket.on) {
      socket.on('pong', () => (this.#answered = true));
      this.#keepAlive = setInterval(() => {
        if (this.#socket.readyState !== OPEN) return this.stop();
        if (!this.#answered) {
          this.stop();
          this.#socket.terminate?.();
          return;
        }
        this.#answered = false;
        this.#socket.ping?.();
      }, keepAliveMs);
      this.#keepAlive.unref?.();
    }
  }

  /** Stops the pings (the socket closed). */
  stop(): void {
    clearInterval(this.#keepAlive);
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
    this.stop();
    if (this.#socket.readyState === OPEN) this.#socket.close(GOING_AWAY, reason.slice(0, 120));
  }
}
