import type { AckPatch, ErrorPatch, JsonObject, JsonValue, Patch } from '../../protocol/index.js';
import { warnOnce } from '../dev/dev-mode.js';
import type { ConnectionOptions } from './connection-options.js';
import {
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascErrorEvent,
  NascPatchEvent,
  NascSendEvent,
  type PageConnectionEventMap,
} from './events.js';
import { EventSender, type EventResult } from './event-sender.js';
import { CONNECTION_MOVES, type FollowerLink } from './follower-link.js';
import { InstanceMirror, instanceKey, type InstanceListener } from './instance-mirror.js';
import { ConnectionState, StreamLink, type StreamLinkOwner } from './stream-link.js';
import { TabIdentity } from './tab-identity.js';
import { TabShare } from './tab-share.js';
import { TransportKind } from './transport.js';
import { chooseTransport, defaultBase, toBaseUrl, type TransportPreference } from './transport-choice.js';

export { ConnectionState } from './stream-link.js';
export type { ConnectionOptions } from './connection-options.js';
export type { EventResult } from './event-sender.js';
export type { InstanceChange, InstanceListener } from './instance-mirror.js';

/** What the page asks for: a transport, or `auto` (URL, then scopes, then SSE). */
export type { TransportPreference } from './transport-choice.js';

/**
 * The connection's events, typed (declaration merging: the methods are `EventTarget`'s own, so this costs the
 * bundle nothing).
 */
export interface PageConnection {
  addEventListener<K extends keyof PageConnectionEventMap>(type: K, listener: (event: PageConnectionEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof PageConnectionEventMap>(type: K, listener: (event: PageConnectionEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/**
 * The page's one connection to a Nasc server: the facade over its parts. The {@link StreamLink} keeps one
 * stream (SSE or WebSocket, picked once) open, the {@link InstanceMirror} keeps the page's copy of every
 * instance it shows in revision order, the {@link EventSender} sends mounts and events in order through
 * disconnects and reloads, and the {@link TabIdentity} names this tab to the server. The {@link TabShare}
 * lets the browser's tabs use one stream: while another tab holds it, a `FollowerLink` stands for this tab's
 * own stream. This class wires them and answers for them to the page: its methods, its settings and its
 * `nasc-*` events.
 *
 * @example
 * const connection = getPageConnection();
 * connection.addEventListener('nasc-connected', (e) => console.log('live over', e.transport));
 */
export class PageConnection extends EventTarget {
  readonly #identity: TabIdentity;
  /** What this tab's stream, or another tab's, tells this connection. */
  readonly #links: StreamLinkOwner;
  /** This tab's own stream, and the one in use: this tab's own, or another tab's. */
  readonly #stream: StreamLink;
  #link: StreamLink | FollowerLink;
  readonly #mirror: InstanceMirror;
  readonly #sender: EventSender;
  #share: TabShare | undefined;
  #shareOption: boolean;
  #baseOption: string | URL | undefined;
  #preference: TransportPreference;
  #startScheduled = false;

  constructor(options: ConnectionOptions & { clientId?: string } = {}) {
    super();
    this.#identity = new TabIdentity(options.clientId);
    this.#links = {
      endpoint: () => ({ base: this.base, clientId: this.#identity.clientId }),
      live: (kind) => this.#live(kind),
      message: (text) => this.#message(text),
      down: (kind, reason, attempt, delay) => {
        this.#share?.announce(reason, delay);
        this.dispatchEvent(new NascDisconnectedEvent(kind, reason, attempt, Math.round(delay), this.shared));
      },
      renewClientId: () => this.#renewClientId(),
      wrap: (transport) => this.#share?.wrap(transport) ?? transport,
    };
    this.#link = this.#stream = new StreamLink(this.#links);
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
    this.#shareOption = options.clientId === undefined && options.share !== false;
    if (options.ackTimeoutMs !== undefined) this.#sender.ackTimeoutMs = options.ackTimeoutMs;
    this.#listenToPage();
    this.#identity.guard(() => this.#rotateClientId());
  }

  /** Changes page-level settings. Only before the connection starts: the transport is picked once. */
  configure(options: ConnectionOptions): void {
    if (this.#link.transport || this.#share) {
      warnOnce('configure-late', 'connection settings changed after the connection started; they apply on the next page load.');
      return;
    }
    if (options.transport) this.#preference = options.transport;
    if (options.base !== undefined) this.#baseOption = options.base;
    if (options.ackTimeoutMs !== undefined) this.#sender.ackTimeoutMs = options.ackTimeoutMs;
    if (options.share === false) this.#shareOption = false;
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

  /** Whether this tab uses another tab's connection (the browser's tabs share one) rather than its own. */
  get shared(): boolean {
    return this.#link !== this.#stream;
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
   * Takes over an instance the server rendered, from its scope's stamp (`na-rev`, `na-state`): the state is
   * known at once, and the mount asks only for what changed after `rev`. Call before subscribing to it.
   */
  seed(type: string, instance: string, params: JsonObject, rev: number, state: JsonObject): void {
    this.#mirror.seed(type, instance, params, rev, state);
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
    if (this.#link.transport || this.#share || this.#link.state === ConnectionState.Closed) return;
    const kind = chooseTransport(this.#preference);
    // One stream per browser and server, where the browser has what that takes (locks need a secure context).
    if (!this.#shareOption || typeof BroadcastChannel === 'undefined' || !globalThis.navigator?.locks) return this.#stream.start(kind);
    this.#share = new TabShare(kind, this.#stream, this.#links, {
      use: (link) => this.#use(link),
      alone: () => (this.#share = undefined),
      rotate: () => this.#rotateClientId(),
    });
  }

  /** Closes the stream for good (another tab takes it over if others used it). */
  close(): void {
    this.#share?.close();
    this.#stream.close();
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

  /** This tab now uses `link`: its own stream, or another tab's. */
  #use(link: StreamLink | FollowerLink): void {
    const previous = this.#link;
    if (previous === link) return;
    const wasLive = previous.state === ConnectionState.Live;
    previous.close();
    this.#link = this.#sender.link = link;
    if (wasLive) this.dispatchEvent(new NascDisconnectedEvent(previous.transport!.kind, CONNECTION_MOVES, 1, 0, this.shared));
  }

  #live(kind: TransportKind): void {
    this.#share?.announce();
    // Everything unacknowledged goes again after the mounts; the server applies each eventId once.
    this.#sender.restart();
    this.#mirror.mountAll();
    this.dispatchEvent(new NascConnectedEvent(kind, this.shared));
    this.#sender.pump();
  }

  #message(text: string): void {
    this.#share?.relay(text);
    let patches: unknown;
    try {
      patches = JSON.parse(text);
    } catch {
      warnOnce('bad-message', 'the server sent a message that is not JSON; it was ignored.');
      return;
    }
    // A shared stream carries every tab's answers: an ack or error of another tab's event is not this one's.
    if (Array.isArray(patches) && this.#share) patches = patches.filter((patch: Patch) => !('eventId' in patch && patch.eventId) || this.#sender.owns(patch.eventId));
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
