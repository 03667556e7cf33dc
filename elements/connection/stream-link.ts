import { warnOnce } from '../dev/dev-mode.js';
import { backoffDelay } from './backoff.js';
import { SseTransport } from './sse-transport.js';
import { TransportKind, type Transport, type TransportEndpoint } from './transport.js';
import { WsTransport } from './ws-transport.js';

/** The connection's state, as the badge shows it. */
export const ConnectionState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Live: 'live',
  Reconnecting: 'reconnecting',
  Offline: 'offline',
  Closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** What the stream tells its owner. */
export interface StreamLinkOwner {
  /** Where to open, and under which client id (asked at every open). */
  endpoint(): TransportEndpoint;
  /** The stream delivered its first message: it is live. */
  live(kind: TransportKind): void;
  message(text: string): void;
  /** The stream dropped; the next try is in `delay` ms. */
  down(kind: TransportKind, reason: string, attempt: number, delay: number): void;
  /** The next tries should go under a new client id. */
  renewClientId(): void;
  /** The transport to use in place of a new one (the tab holding the browser's shared connection wraps it). */
  wrap?(transport: Transport): Transport;
}

/** Attempts without ever opening after which the other transport is tried. */
const FALLBACK_AFTER = 3;
/** How long a stream may take to deliver its first message before the attempt counts as failed. */
const OPEN_TIMEOUT_MS = 10_000;
const OFFLINE_AFTER = 5;

/**
 * The page's one stream and its life: the transport picked once, opened, watched for its first message,
 * reopened with backoff when it drops, the other transport tried when the first never opened, and a new
 * client id taken when opens keep failing. The stream carries nothing about the instances shown: once it
 * is live, the owner mounts them again.
 */
export class StreamLink {
  transport: Transport | undefined;
  state: ConnectionState = ConnectionState.Idle;
  /** Reconnect attempts since the stream was last live. */
  attempt = 0;
  readonly #owner: StreamLinkOwner;
  #attemptsWithoutOpen = 0;
  #everOpened = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #openTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(owner: StreamLinkOwner) {
    this.#owner = owner;
  }

  start(kind: TransportKind): void {
    this.transport = this.#create(kind);
    this.#open(ConnectionState.Connecting);
  }

  /** Closes the stream for good. */
  close(): void {
    this.state = ConnectionState.Closed;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#openTimer);
    this.transport?.close();
  }

  /** Reconnects now (skipping the backoff wait) if the stream is down. */
  reconnectNow(): void {
    if (!this.transport || this.state === ConnectionState.Live || this.state === ConnectionState.Closed) return;
    clearTimeout(this.#retryTimer);
    this.#open(this.state);
  }

  /** Opens a new stream of the same transport at once, under the owner's current client id. */
  reopen(): void {
    const transport = this.transport;
    if (!transport) return;
    transport.close();
    this.transport = this.#create(transport.kind);
    this.#open(ConnectionState.Reconnecting);
  }

  /** The stream is no longer to be trusted (an answer it should have carried never came): drop and retry. */
  fail(reason: string): void {
    this.transport?.close();
    this.#down(reason);
  }

  #create(kind: TransportKind): Transport {
    const listener = {
      onOpen: () => this.#live(),
      onMessage: (text: string) => this.#owner.message(text),
      onClose: (reason: string) => this.#down(reason),
    };
    const endpoint = this.#owner.endpoint();
    const transport = kind === TransportKind.Ws ? new WsTransport(endpoint, listener) : new SseTransport(endpoint, listener);
    return this.#owner.wrap?.(transport) ?? transport;
  }

  #open(state: ConnectionState): void {
    this.state = state;
    this.transport!.open();
    clearTimeout(this.#openTimer);
    this.#openTimer = setTimeout(() => this.fail('no message within 10 s (a proxy may be buffering the stream)'), OPEN_TIMEOUT_MS);
  }

  #live(): void {
    clearTimeout(this.#openTimer);
    this.state = ConnectionState.Live;
    this.attempt = 0;
    this.#attemptsWithoutOpen = 0;
    this.#everOpened = true;
    this.#owner.live(this.transport!.kind);
  }

  #down(reason: string): void {
    clearTimeout(this.#openTimer);
    if (this.state === ConnectionState.Closed || !this.transport) return;
    this.attempt += 1;
    let kind = this.transport.kind;
    if (!this.#everOpened && ++this.#attemptsWithoutOpen >= FALLBACK_AFTER) {
      const other = kind === TransportKind.Ws ? TransportKind.Sse : TransportKind.Ws;
      console.warn(`[nasc] ${kind.toUpperCase()} never connected (${reason}); falling back to ${other.toUpperCase()}.`);
      if (globalThis.NASC_DEV_MODE !== false && other === TransportKind.Sse) {
        warnOnce(
          'ws-never-connected',
          'is the server taking WebSocket upgrades? Call nasc.attach(server) on the HTTP server (or pass websocket: nasc.websocket to serve()); a proxy in front must let upgrades through too.',
        );
      }
      kind = other;
      this.#attemptsWithoutOpen = 0;
    }
    // A stream refused again and again may be refused for its client id (another session holds it: tabs
    // opened at once got different cookies, and a browser hides why an EventSource failed). The next tries
    // go under a new id: no request is retried unchanged forever.
    if (this.attempt % FALLBACK_AFTER === 0) this.#owner.renewClientId();
    if (kind !== this.transport.kind || this.attempt % FALLBACK_AFTER === 0) {
      this.transport.close();
      this.transport = this.#create(kind);
    }
    const offline = (typeof navigator !== 'undefined' && navigator.onLine === false) || this.attempt >= OFFLINE_AFTER;
    this.state = offline ? ConnectionState.Offline : ConnectionState.Reconnecting;
    const delay = backoffDelay(this.attempt - 1);
    this.#owner.down(kind, reason, this.attempt, delay);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#open(this.state), delay);
  }
}
