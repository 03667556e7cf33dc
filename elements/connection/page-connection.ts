import type { AckPatch, ErrorPatch, JsonObject, JsonValue, Patch } from '../../protocol/index.js';
import { warnOnce } from '../dev/dev-mode.js';
import {
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascErrorEvent,
  NascPatchEvent,
  NascSendEvent,
  type PageConnectionEventMap,
} from './events.js';
import { EventSender, type EventResult } from './event-sender.js';
import { InstanceMirror, instanceKey, type InstanceListener } from './instance-mirror.js';
import { ConnectionState, StreamLink } from './stream-link.js';
import { TabIdentity } from './tab-identity.js';
import { TransportKind } from './transport.js';
import { chooseTransport, defaultBase, toBaseUrl, type TransportPreference } from './transport-choice.js';

export { ConnectionState } from './stream-link.js';
export type { EventResult } from './event-sender.js';
export type { InstanceChange, InstanceListener } from './instance-mirror.js';

/** What the page asks for: a transport, or `auto` (URL, then scopes, then SSE). */
export type { TransportPreference } from './transport-choice.js';

/** Page-level settings; they count only before the connection starts. */
export interface ConnectionOptions {
  transport?: TransportPreference;
  /** Where the Nasc routes are mounted, e.g. `/nasc` or `https://api.example.com/nasc`. */
  base?: string | URL;
  /**
   * How long an event may wait on the wire for its ack or error before it is sent again (default 20,000 ms).
   * The server applies each event id once, so a repeat only fetches the answer that was lost.
   */
  ackTimeoutMs?: number;
}

/**
 * The connection's events, typed (declaration merging: the methods are `EventTarget`'s own, so this costs the
 * bundle nothing).
 */
export interface PageConnection {
  addEventListener<K extends keyof PageConnectionEventMap>(
    type: K,
    listener: (event: PageConnectionEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof PageConnectionEventMap>(
    type: K,
    listener: (event: PageConnectionEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/**
 * The page's one connection to a Nasc server: the facade over its parts. The {@link StreamLink} keeps one
 * stream (SSE or WebSocket, picked once) open, the {@link InstanceMirror} keeps the page's copy of every
 * instance it shows in revision order, the {@link EventSender} sends mounts and events in order through
 * disconnects and reloads, and the {@link TabIdentity} names this tab to the server. This class wires them
 * and answers for them to the page: its methods, its settings and its `nasc-*` events.
 *
 * @example
 * const connection = getPageConnection();
 * connection.addEventListener('nasc-connected', (e) => console.log('live over', e.transport));
 */
export class PageConnection extends EventTarget {
  readonly #identity: TabIdentity;
  readonly #link: StreamLink;
  readonly #mirror: InstanceMirror;
  readonly #sender: EventSender;
  #baseOption: string | URL | undefined;
  #preference: TransportPreference;
  #startScheduled = false;

  constructor(options: ConnectionOptions & { clientId?: string } = {}) {
    super();
    this.#identity = new TabIdentity(options.clientId);
    this.#link = new StreamLink({
      endpoint: () => ({ base: this.base, clientId: this.#identity.clientId }),
      live: (kind) => this.#live(kind),
      message: (text) => this.#message(text),
      down: (kind, reason, attempt, delay) => this.dispatchEvent(new NascDisconnectedEvent(kind, reason, attempt, Math.round(delay))),
      renewClientId: () => this.#renewClientId(),
    });
    this.#sender = new EventSender(this.#identity.clientId, this.#link, {
      sent: (event) => this.dispatchEvent(new NascSendEvent(event)),
      refused: (error) => this.#deliverError(error),
      clientIdTaken: () => this.#rotateClientId(),
    });
    this.#mirror = new InstanceMirror({
      nextEventId: () => this.#sender.nextEventId(),
      control: (event) => this.#sender.control(event),
      acknowledged: (ack) => this.#acknowledged(ack),
      failed: (error) => this.#failed(error),
    });
    this.#baseOption = options.base;
    this.#preference = options.transport ?? 'auto';
    if (options.ackTimeoutMs !== undefined) this.#sender.ackTimeoutMs = options.ackTimeoutMs;
    this.#listenToPage();
    this.#identity.guard(() => this.#rotateClientId());
  }

  /** Changes page-level settings. Only before the connection starts: the transport is picked once. */
  configure(options: ConnectionOptions): void {
    if (this.#link.transport) {
      warnOnce('configure-late', 'connection settings changed after the connection started; they apply on the next page load.');
      return;
    }
    if (options.transport) this.#preference = options.transport;
    if (options.base !== undefined) this.#baseOption = options.base;
    if (options.ackTimeoutMs !== undefined) this.#sender.ackTimeoutMs = options.ackTimeoutMs;
  }

  get state(): ConnectionState {
    return this.#link.state;
  }

  /** This tab's client id: random, per tab; a new one is taken if the server says another session holds it. */
  get clientId(): string {
    return this.#identity.clientId;
  }

  /** The transport in use; undefined until the connection starts. */
  get transport(): TransportKind | undefined {
    return this.#link.transport?.kind;
  }

  /** Reconnect attempts since the stream was last live. */
  get attempt(): number {
    return this.#link.attempt;
  }

  /** Where the server's routes are: the configured base, else the default (next to the bundle). */
  get base(): URL {
    return toBaseUrl(this.#baseOption ?? defaultBase);
  }

  /** The JSON Schema of a type, once a `schema` patch brought it. */
  schema(type: string): JsonObject | undefined {
    return this.#mirror.schemas.get(type);
  }

  /** The last known value of a top-level property of an instance. */
  value(type: string, instance: string, prop: string): JsonValue | undefined {
    return this.#mirror.views.get(instanceKey(type, instance))?.state.get(prop);
  }

  /** A copy of an instance's known state. */
  snapshot(type: string, instance: string): JsonObject {
    return Object.fromEntries(this.#mirror.views.get(instanceKey(type, instance))?.state ?? []);
  }

  /**
   * Subscribes to an instance: mounts it (once per page, however many scopes show it) and reports every
   * change. The returned function unsubscribes; the last one out unmounts.
   */
  subscribe(type: string, instance: string, params: JsonObject, listener: InstanceListener): () => void {
    const unsubscribe = this.#mirror.subscribe(type, instance, params, listener);
    this.#scheduleStart();
    return unsubscribe;
  }

  /**
   * Sends an event for an instance. Resolves with its outcome once the server acknowledges it; until then it
   * waits in the outbox (through disconnects and reloads). `origin` carries `na-pending` meanwhile.
   */
  send(type: string, instance: string, event: string, payload: JsonObject = {}, origin?: Element): Promise<EventResult> {
    this.#scheduleStart();
    return this.#sender.send({ event, type, instance, payload, eventId: this.#sender.nextEventId() }, origin);
  }

  /** Starts now instead of on the next microtask (it otherwise starts when the first scope subscribes). */
  start(): void {
    if (this.#link.transport || this.#link.state === ConnectionState.Closed) return;
    this.#link.start(chooseTransport(this.#preference));
  }

  /** Closes the stream for good. */
  close(): void {
    this.#link.close();
  }

  /** Reconnects now (skipping the backoff wait) if the stream is down. */
  reconnectNow(): void {
    this.#link.reconnectNow();
  }

  #scheduleStart(): void {
    if (this.#link.transport || this.#startScheduled) return;
    this.#startScheduled = true;
    // Let the rest of the page's scopes connect first: the transport rule looks at all of them.
    queueMicrotask(() => this.start());
  }

  #live(kind: TransportKind): void {
    // Everything unacknowledged goes again after the mounts; the server applies each eventId once.
    this.#sender.restart();
    this.#mirror.mountAll();
    this.dispatchEvent(new NascConnectedEvent(kind));
    this.#sender.pump();
  }

  #message(text: string): void {
    let patches: unknown;
    try {
      patches = JSON.parse(text);
    } catch {
      warnOnce('bad-message', 'the server sent a message that is not JSON; it was ignored.');
      return;
    }
    if (!Array.isArray(patches) || patches.length === 0) return;
    this.dispatchEvent(new NascPatchEvent(patches as Patch[]));
    this.#mirror.apply(patches as Patch[]);
    this.#sender.pump();
  }

  #acknowledged(ack: AckPatch): void {
    this.#sender.settle(ack.eventId, { ok: true, eventId: ack.eventId, rev: ack.rev });
  }

  #failed(error: ErrorPatch): void {
    // Not taken or not processed (rate limit, a server fault): the same event or mount goes again later.
    const { eventId, retryAfterMs } = error;
    if (retryAfterMs !== undefined && eventId && (this.#sender.deferRetry(eventId, retryAfterMs) || this.#mirror.retryMount(eventId, retryAfterMs))) return;
    if (eventId) this.#sender.settle(eventId, { ok: false, ...error });
    this.#deliverError(error);
  }

  #deliverError(error: ErrorPatch): void {
    if (globalThis.NASC_DEV_MODE !== false && error.code === 'forbidden_origin') {
      warnOnce('forbidden-origin', `the server refuses this page's events (forbidden_origin): ${error.message}`);
    }
    this.#mirror.tell(error);
    this.dispatchEvent(new NascErrorEvent(error));
  }

  /** A new client id for the next opens; queued events move with it. */
  #renewClientId(): void {
    this.#sender.outbox.rename(this.#identity.renew());
  }

  /**
   * The server says this client id is held by another session: this happens when tabs opened at once each
   * got their own session cookie and the browser kept only the last. Take a new id and reconnect (the stream
   * then carries the cookie the browser kept); queued events go again under it.
   */
  #rotateClientId(): void {
    this.#renewClientId();
    this.#link.reopen();
  }

  #listenToPage(): void {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }
}
