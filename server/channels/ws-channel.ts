import type { ClientChannel } from '../engine/connection.js';
import type { Observer } from '../observe/observer.js';
import type { KeepAliveTicker } from './keep-alive-ticker.js';
import { batchUntilTickEnd, type CorkableSocket } from './write-batching.js';

/** The part of a server-side WebSocket the channel uses (the `ws` package's socket fits). */
export interface WebSocketPeer {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  readonly bufferedAmount?: number;
  ping?(): void;
  terminate?(): void;
  /** Stops reading the socket (`ws` 8 has it): what a cut client still sends is left unread. */
  pause?(): void;
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
  /** Told of what the socket sends and of a slow client cut. */
  observer?: Observer;
}

const OPEN = 1;
/** [RFC 6455 7.4.1] 1013: "Try Again Later": the client reconnects and resumes. */
export const TRY_AGAIN_LATER = 1013;
/** [RFC 6455 7.4.1] 1008: "Policy Violation": the client broke the rules (here: too many refused frames). */
export const POLICY_VIOLATION = 1008;
const GOING_AWAY = 1001;
/**
 * How long a cut socket has to take its close frame before it is destroyed. A client that reads gets the
 * close code; one that does not read costs nothing more than this wait, and is never read from meanwhile.
 */
const CUT_GRACE_MS = 1_000;

/**
 * One WebSocket as a {@link ClientChannel}, and the only way anything is written to it: patches and error
 * answers alike go through {@link send}, so the bound on what may wait for a slow client holds for every
 * byte. A client past the bound is cut: not read from again, told 1013, destroyed if it does not take the
 * close. Pings on the route's keepalive tick keep proxies from closing a quiet socket, and a socket that
 * missed a pong is cut, so a vanished client does not hold its subscriptions.
 */
export class WsChannel implements ClientChannel {
  readonly #socket: WebSocketPeer;
  readonly #maxBufferedBytes: number;
  readonly #ticker: KeepAliveTicker | undefined;
  readonly #transport: CorkableSocket | undefined;
  readonly #observer: Observer | undefined;
  #answered = true;
  #cut = false;
  #reason: string | undefined;

  constructor(socket: WebSocketPeer, options: WsChannelOptions) {
    this.#socket = socket;
    this.#maxBufferedBytes = options.maxBufferedBytes;
    this.#transport = options.transport;
    this.#observer = options.observer;
    if (options.ticker && socket.ping && socket.on) {
      this.#ticker = options.ticker;
      socket.on('pong', () => (this.#answered = true));
      this.#ticker.add(this);
    }
  }

  /** False once the socket is cut or closed: what it still sends is not worth reading. */
  get open(): boolean {
    return !this.#cut && this.#socket.readyState === OPEN;
  }

  /** Why the server closed or cut the socket, when it did. */
  get closeReason(): string | undefined {
    return this.#reason;
  }

  /** One keepalive tick: cut a socket that did not answer the last ping, else ping it. */
  keepAlive(): void {
    if (this.#socket.readyState !== OPEN) return this.stop();
    if (!this.#answered) {
      this.#reason ??= 'no answer to ping';
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
    if (!this.open) return;
    if ((this.#socket.bufferedAmount ?? 0) > this.#maxBufferedBytes) {
      this.#observer?.cut('ws', 'slow');
      this.cut(TRY_AGAIN_LATER, 'client too slow');
      return;
    }
    this.#observer?.sent('ws', message.length);
    if (this.#transport) batchUntilTickEnd(this.#transport);
    this.#socket.send(message);
  }

  /**
   * Ends the socket because of the client: nothing more is read or written, the close frame says why, and
   * a client that does not take it within a second is destroyed.
   */
  cut(code: number, reason: string): void {
    if (this.#cut) return;
    this.#cut = true;
    this.#reason ??= reason;
    this.stop();
    this.#socket.pause?.();
    if (this.#socket.readyState !== OPEN) return;
    this.#socket.close(code, reason);
    setTimeout(() => this.#socket.terminate?.(), CUT_GRACE_MS).unref();
  }

  close(reason: string): void {
    this.#reason ??= reason;
    this.stop();
    if (this.#socket.readyState === OPEN) this.#socket.close(GOING_AWAY, reason.slice(0, 120));
  }
}
