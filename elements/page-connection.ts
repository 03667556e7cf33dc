import {
  PatchAction,
  ReservedEvent,
  type ClientEvent,
  type ErrorPatch,
  type JsonObject,
  type JsonValue,
  type Patch,
} from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import { warnOnce } from './dev-mode.js';
import {
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascErrorEvent,
  NascPatchEvent,
  NascSendEvent,
  type PageConnectionEventMap,
} from './events.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { markPending } from './pending-marks.js';
import { BatchVerdict, RevisionGate } from './revision-gate.js';
import { SseTransport } from './sse-transport.js';
import { newTabClientId, randomId, tabClientId } from './tab-storage.js';
import { TransportKind, type SendResult, type Transport, type TransportListener } from './transport.js';
import { WsTransport } from './ws-transport.js';

/** What the page asks for: a transport, or `auto` (URL, then scopes, then SSE). */
export type TransportPreference = TransportKind | 'auto';

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

/** The result of one event, once acknowledged. */
export type EventResult = { ok: true; eventId: string; rev: number } | ({ ok: false } & ErrorPatch);

/** What a subscriber of one instance is told. */
export type InstanceChange =
  | { kind: 'prop'; prop: string; value: JsonValue }
  | { kind: 'ack'; eventId: string }
  /** A schema for the instance's type arrived: bindings can be checked against it. */
  | { kind: 'schema' }
  | { kind: 'error'; error: ErrorPatch };

/** A subscriber of one instance. */
export type InstanceListener = (change: InstanceChange) => void;

interface InstanceView {
  readonly key: string;
  readonly type: string;
  readonly instance: string;
  params: JsonObject;
  readonly state: Map<string, JsonValue>;
  readonly listeners: Set<InstanceListener>;
  /** A mount is on its way: no second resync until its ack (or a timeout) says it is done. */
  resyncing: boolean;
  mountEventId?: string;
  recheckTimer?: ReturnType<typeof setTimeout>;
  unmountTimer?: ReturnType<typeof setTimeout>;
}

interface Waiter {
  resolve: (result: EventResult) => void;
  origin?: Element;
}

/** How long a resync may stay unanswered before the client asks again. */
const RESYNC_RETRY_MS = 2_000;
/** Attempts without ever opening after which the other transport is tried. */
const FALLBACK_AFTER = 3;
/** How long a stream may take to deliver its first message before the attempt counts as failed. */
const OPEN_TIMEOUT_MS = 10_000;
const DEFAULT_ACK_TIMEOUT_MS = 20_000;
/** How long the ack of an event the server accepted (SSE: a 202) may take before the stream is reopened. */
const ACCEPTED_ACK_TIMEOUT_MS = 5_000;
const OFFLINE_AFTER = 5;

/** Connections of this page that keep their id in the tab (see `tabClientId`). */
let tabIdSlots = 0;

function instanceKey(type: string, instance: string): string {
  return `${type}\u0000${instance}`;
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
 * The page's one connection to a Nasc server. It picks SSE or WebSocket once, mounts every instance that
 * scopes subscribe to, applies patches in revision order, keeps unacknowledged events in an outbox that
 * survives reloads, and reconnects with backoff, resuming where it left off.
 *
 * @example
 * const connection = getPageConnection();
 * connection.addEventListener('nasc-connected', (e) => console.log('live over', e.transport));
 */
export class PageConnection extends EventTarget {
  #clientId: string;
  /** Whether the id is the tab's own (kept in sessionStorage) rather than one the caller chose. */
  readonly #tabOwnsId: boolean;
  readonly #tabSlot: number;
  #baseOption: string | URL | undefined;
  #preference: TransportPreference;
  #transport: Transport | undefined;
  #state: ConnectionState = ConnectionState.Idle;
  #attempt = 0;
  #attemptsWithoutOpen = 0;
  #everOpened = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #openTimer: ReturnType<typeof setTimeout> | undefined;
  #startScheduled = false;
  readonly #instances = new Map<string, InstanceView>();
  readonly #gate = new RevisionGate();
  readonly #outbox: Outbox;
  readonly #schemas = new Map<string, JsonObject>();
  readonly #control: ClientEvent[] = [];
  readonly #waiters = new Map<string, Waiter>();
  #pumping = false;
  /** Set by a retry or a rate limit: nothing is sent before this time (performance.now()). */
  #pausedUntil = 0;
  #pumpTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sends in a row that came back "try again" without a stated wait. */
  #sendFailures = 0;
  /**
   * Event ids: a random prefix per page load and a counter. As unguessable as a random id each (the prefix
   * never leaves this tab and the server), never reused across reloads, and a click no longer pays for
   * 16 random bytes and base64 (~25 µs).
   */
  readonly #eventIdPrefix = `${randomId()}.`;
  #eventCount = 0;
  #ackTimeoutMs: number;

  constructor(options: ConnectionOptions & { clientId?: string } = {}) {
    super();
    this.#tabOwnsId = options.clientId === undefined;
    // Connections of one page made in the same order get the same ids after a reload, each its own.
    this.#tabSlot = this.#tabOwnsId ? tabIdSlots++ : 0;
    this.#clientId = options.clientId ?? tabClientId(this.#tabSlot);
    this.#outbox = new Outbox(this.#clientId);
    this.#baseOption = options.base;
    this.#preference = options.transport ?? 'auto';
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.#listenToPage();
    if (this.#tabOwnsId) this.#guardTabId();
  }

  /** Changes page-level settings. Only before the connection starts: the transport is picked once. */
  configure(options: ConnectionOptions): void {
    if (this.#transport) {
      warnOnce('configure-late', 'connection settings changed after the connection started; they apply on the next page load.');
      return;
    }
    if (options.transport) this.#preference = options.transport;
    if (options.base !== undefined) this.#baseOption = options.base;
    if (options.ackTimeoutMs !== undefined) this.#ackTimeoutMs = options.ackTimeoutMs;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** This tab's client id: random, per tab; a new one is taken if the server says another session holds it. */
  get clientId(): string {
    return this.#clientId;
  }

  /** The transport in use; undefined until the connection starts. */
  get transport(): TransportKind | undefined {
    return this.#transport?.kind;
  }

  /** Reconnect attempts since the stream was last live. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Where the server's routes are: the configured base, else the default (next to the bundle). */
  get base(): URL {
    return toBaseUrl(this.#baseOption ?? defaultBase);
  }

  /** The JSON Schema of a type, once a `schema` patch brought it. */
  schema(type: string): JsonObject | undefined {
    return this.#schemas.get(type);
  }

  /** The last known value of a top-level property of an instance. */
  value(type: string, instance: string, prop: string): JsonValue | undefined {
    return this.#instances.get(instanceKey(type, instance))?.state.get(prop);
  }

  /** A copy of an instance's known state. */
  snapshot(type: string, instance: string): JsonObject {
    return Object.fromEntries(this.#instances.get(instanceKey(type, instance))?.state ?? []);
  }

  /**
   * Subscribes to an instance: mounts it (once per page, however many scopes show it) and reports every
   * change. The returned function unsubscribes; the last one out unmounts.
   */
  subscribe(type: string, instance: string, params: JsonObject, listener: InstanceListener): () => void {
    const key = instanceKey(type, instance);
    let view = this.#instances.get(key);
    if (!view) {
      view = { key, type, instance, params, state: new Map(), listeners: new Set(), resyncing: false };
      this.#instances.set(key, view);
      this.#queueMount(view);
    } else {
      clearTimeout(view.unmountTimer);
      view.unmountTimer = undefined;
    }
    view.listeners.add(listener);
    for (const [prop, value] of view.state) listener({ kind: 'prop', prop, value });
    this.#scheduleStart();
    const subscribed = view;
    return () => {
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size > 0 || subscribed.unmountTimer) return;
      // An element moved in the DOM disconnects and reconnects at once: wait a moment before unmounting.
      subscribed.unmountTimer = setTimeout(() => this.#unmount(subscribed), 1_000);
    };
  }

  /**
   * Sends an event for an instance. Resolves with its outcome once the server acknowledges it; until then it
   * waits in the outbox (through disconnects and reloads). `origin` carries `na-pending` meanwhile.
   */
  send(type: string, instance: string, event: string, payload: JsonObject = {}, origin?: Element): Promise<EventResult> {
    const eventId = this.#nextEventId();
    const outgoing = { event, type, instance, payload, eventId };
    return new Promise((resolve) => {
      if (!this.#outbox.push(outgoing)) {
        const error: ErrorPatch = { action: PatchAction.Error, message: 'Too many events waiting to be sent.', code: 'outbox_full', eventId, type, instance };
        this.#deliverError(error);
        resolve({ ok: false, ...error });
        return;
      }
      this.#waiters.set(eventId, origin ? { resolve, origin } : { resolve });
      this.#scheduleStart();
      this.#pump();
      // After the send (which happens in the call above): the attributes restyle the element, and that work
      // need not delay the event. The answer comes in a later task, so it cannot be settled before this.
      if (origin) markPending(origin, +1);
    });
  }

  /** Starts now instead of on the next microtask (it otherwise starts when the first scope subscribes). */
  start(): void {
    if (this.#transport || this.#state === ConnectionState.Closed) return;
    const kind = chooseTransport(this.#preference);
    this.#transport = this.#createTransport(kind);
    this.#openStream(ConnectionState.Connecting);
  }

  /** Closes the stream for good. */
  close(): void {
    this.#state = ConnectionState.Closed;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#openTimer);
    this.#transport?.close();
  }

  /** Reconnects now (skipping the backoff wait) if the stream is down. */
  reconnectNow(): void {
    if (!this.#transport || this.#state === ConnectionState.Live || this.#state === ConnectionState.Closed) return;
    clearTimeout(this.#retryTimer);
    this.#openStream(this.#state);
  }

  // Stream lifecycle.

  #scheduleStart(): void {
    if (this.#transport || this.#startScheduled) return;
    this.#startScheduled = true;
    // Let the rest of the page's scopes connect first: the transport rule looks at all of them.
    queueMicrotask(() => this.start());
  }

  #createTransport(kind: TransportKind): Transport {
    const listener: TransportListener = {
      onOpen: () => this.#onOpen(),
      onMessage: (text) => this.#onMessage(text),
      onClose: (reason) => this.#onClose(reason),
    };
    const endpoint = { base: this.base, clientId: this.#clientId };
    return kind === TransportKind.Ws ? new WsTransport(endpoint, listener) : new SseTransport(endpoint, listener);
  }

  #openStream(state: ConnectionState): void {
    this.#state = state;
    // Nothing about the instances shown travels with the open: once it is live, each is mounted again with
    // the revision it holds (see #onOpen), so the request stays the same size however many there are.
    this.#transport!.open();
    clearTimeout(this.#openTimer);
    this.#openTimer = setTimeout(() => {
      this.#transport?.close();
      this.#onClose('no message within 10 s (a proxy may be buffering the stream)');
    }, OPEN_TIMEOUT_MS);
  }

  #onOpen(): void {
    clearTimeout(this.#openTimer);
    this.#state = ConnectionState.Live;
    this.#attempt = 0;
    this.#attemptsWithoutOpen = 0;
    this.#everOpened = true;
    // Everything unacknowledged goes again after the mounts; the server applies each eventId once.
    this.#outbox.resetInFlight();
    this.#control.length = 0;
    this.#pausedUntil = 0;
    for (const view of this.#instances.values()) {
      if (view.listeners.size > 0 || !view.unmountTimer) this.#queueMount(view);
    }
    this.dispatchEvent(new NascConnectedEvent(this.#transport!.kind));
    this.#pump();
  }

  #onClose(reason: string): void {
    clearTimeout(this.#openTimer);
    if (this.#state === ConnectionState.Closed || !this.#transport) return;
    this.#attempt += 1;
    if (!this.#everOpened) this.#attemptsWithoutOpen += 1;
    if (!this.#everOpened && this.#attemptsWithoutOpen >= FALLBACK_AFTER) {
      const other = this.#transport.kind === TransportKind.Ws ? TransportKind.Sse : TransportKind.Ws;
      console.warn(`[nasc] ${this.#transport.kind.toUpperCase()} never connected (${reason}); falling back to ${other.toUpperCase()}.`);
      if (globalThis.NASC_DEV_MODE !== false && other === TransportKind.Sse) {
        warnOnce(
          'ws-never-connected',
          'is the server taking WebSocket upgrades? Call nasc.attach(server) on the HTTP server (or pass websocket: nasc.websocket to serve()); a proxy in front must let upgrades through too.',
        );
      }
      this.#transport.close();
      this.#transport = this.#createTransport(other);
      this.#attemptsWithoutOpen = 0;
    }
    // A stream refused again and again may be refused for its client id (another session holds it: tabs
    // opened at once got different cookies, and a browser hides why an EventSource failed). The next tries
    // go under a new id: no request is retried unchanged forever.
    if (this.#attempt % FALLBACK_AFTER === 0) this.#renewClientId();
    const offline = (typeof navigator !== 'undefined' && navigator.onLine === false) || this.#attempt >= OFFLINE_AFTER;
    this.#state = offline ? ConnectionState.Offline : ConnectionState.Reconnecting;
    const delay = backoffDelay(this.#attempt - 1);
    this.dispatchEvent(new NascDisconnectedEvent(this.#transport.kind, reason, this.#attempt, Math.round(delay)));
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#openStream(this.#state), delay);
  }

  /**
   * A duplicated tab starts with a copy of its parent's sessionStorage, so both would use one client id and
   * keep replacing each other's stream. Tabs announce their id on a BroadcastChannel; the younger of two
   * takes a new one. (Its copied outbox is harmless: the server applies each event id once.)
   */
  #guardTabId(): void {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel('nasc:client-ids');
    // When this connection was made, in wall-clock ms: the elder of two keeps the id.
    const born = performance.timeOrigin + performance.now();
    channel.onmessage = ({ data }: MessageEvent<{ kind: string; clientId: string; born: number }>) => {
      if (data?.clientId !== this.#clientId) return;
      if (data.kind === 'hello' && data.born > born) channel.postMessage({ kind: 'taken', clientId: this.#clientId, born });
      else if (data.kind === 'taken' && data.born < born) this.#rotateClientId();
    };
    channel.postMessage({ kind: 'hello', clientId: this.#clientId, born });
  }

  #listenToPage(): void {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  // Incoming.

  #onMessage(text: string): void {
    let patches: unknown;
    try {
      patches = JSON.parse(text);
    } catch {
      warnOnce('bad-message', 'the server sent a message that is not JSON; it was ignored.');
      return;
    }
    if (!Array.isArray(patches)) return;
    if (patches.length === 0) return;
    this.dispatchEvent(new NascPatchEvent(patches as Patch[]));
    const verdicts = new Map<string, boolean>();
    const snapshotProps = new Map<string, Set<string>>();
    const touched = new Set<InstanceView>();
    for (const patch of patches as Patch[]) {
      switch (patch.action) {
        case PatchAction.Schema:
          this.#schemas.set(patch.type, patch.schema);
          for (const view of this.#instances.values()) {
            if (view.type === patch.type) view.listeners.forEach((l) => l({ kind: 'schema' }));
          }
          break;
        case PatchAction.Snapshot: {
          const view = this.#instances.get(instanceKey(patch.type, patch.instance));
          if (!view) break;
          touched.add(view);
          const accepted = this.#gate.snapshot(view.key, patch.rev, patch.reset === true);
          verdicts.set(view.key, accepted);
          if (accepted) {
            snapshotProps.set(view.key, new Set());
            view.resyncing = false;
          }
          break;
        }
        case PatchAction.BindUpdate: {
          const view = this.#instances.get(instanceKey(patch.type, patch.instance));
          if (!view) break;
          touched.add(view);
          let apply = verdicts.get(view.key);
          if (apply === undefined) {
            // One verdict per instance per message: all its patches carry the same revision.
            const verdict = this.#gate.delta(view.key, patch.rev);
            apply = verdict === BatchVerdict.Apply;
            verdicts.set(view.key, apply);
          }
          if (!apply) break;
          snapshotProps.get(view.key)?.add(patch.prop);
          this.#setProp(view, patch.prop, patch.value);
          break;
        }
        case PatchAction.Ack: {
          const view = this.#instances.get(instanceKey(patch.type, patch.instance));
          if (view && patch.eventId === view.mountEventId) {
            // The mount's answer is complete; anything still missing needs another resync.
            view.resyncing = false;
            touched.add(view);
            break;
          }
          this.#settle(patch.eventId, { ok: true, eventId: patch.eventId, rev: patch.rev });
          view?.listeners.forEach((l) => l({ kind: 'ack', eventId: patch.eventId }));
          break;
        }
        case PatchAction.Error:
          // Not taken or not processed (rate limit, a server fault): the same event goes again later.
          if (patch.retryAfterMs !== undefined && patch.eventId && this.#deferRetry(patch.eventId, patch.retryAfterMs)) break;
          if (patch.eventId) this.#settle(patch.eventId, { ok: false, ...patch });
          this.#deliverError(patch);
          break;
        case PatchAction.Resync: {
          const view = this.#instances.get(instanceKey(patch.type, patch.instance));
          if (view) this.#resync(view);
          break;
        }
      }
    }
    // A snapshot replaces the state: whatever it no longer has is cleared.
    for (const [key, props] of snapshotProps) {
      const view = this.#instances.get(key)!;
      for (const prop of [...view.state.keys()]) if (!props.has(prop)) this.#setProp(view, prop, null);
    }
    for (const view of touched) this.#catchUp(view);
    this.#pump();
  }

  /** A rate-limited (or failed) event or mount is delayed, never dropped: it goes again after the server's wait. */
  #deferRetry(eventId: string, retryAfterMs: number): boolean {
    if (this.#outbox.release(eventId)) {
      this.#retryPumpLater({ status: 'retry', retryAfterMs });
      return true;
    }
    for (const view of this.#instances.values()) {
      if (view.mountEventId !== eventId) continue;
      view.resyncing = false;
      setTimeout(() => this.#instances.get(view.key) === view && this.#queueMount(view), retryAfterMs);
      return true;
    }
    return false;
  }

  /** Asks for what a view is missing when the server is known to be ahead (a gap, or an ignored delta). */
  #catchUp(view: InstanceView): void {
    if (!this.#gate.behind(view.key)) return;
    if (!view.resyncing) {
      this.#resync(view);
      return;
    }
    view.recheckTimer ??= setTimeout(() => {
      view.recheckTimer = undefined;
      if (!this.#instances.has(view.key)) return;
      view.resyncing = false;
      this.#catchUp(view);
    }, RESYNC_RETRY_MS);
  }

  #setProp(view: InstanceView, prop: string, value: JsonValue): void {
    if (value === null) view.state.delete(prop);
    else view.state.set(prop, value);
    for (const listener of view.listeners) listener({ kind: 'prop', prop, value });
  }

  #deliverError(error: ErrorPatch): void {
    if (globalThis.NASC_DEV_MODE !== false && error.code === 'forbidden_origin') {
      warnOnce('forbidden-origin', `the server refuses this page's events (forbidden_origin): ${error.message}`);
    }
    if (error.type !== undefined && error.instance !== undefined) {
      this.#instances.get(instanceKey(error.type, error.instance))?.listeners.forEach((l) => l({ kind: 'error', error }));
    }
    this.dispatchEvent(new NascErrorEvent(error));
  }

  #settle(eventId: string, result: EventResult): void {
    this.#outbox.settle(eventId);
    const waiter = this.#waiters.get(eventId);
    if (!waiter) return;
    this.#waiters.delete(eventId);
    if (waiter.origin) markPending(waiter.origin, -1);
    waiter.resolve(result);
  }

  // Outgoing.

  #nextEventId(): string {
    return this.#eventIdPrefix + (++this.#eventCount).toString(36);
  }

  #queueMount(view: InstanceView): void {
    const rev = this.#gate.position(view.key);
    view.mountEventId = this.#nextEventId();
    view.resyncing = true;
    const mount: ClientEvent = {
      event: ReservedEvent.Mount,
      type: view.type,
      instance: view.instance,
      payload: view.params,
      eventId: view.mountEventId,
    };
    if (rev !== undefined) mount.rev = rev;
    // A newer mount of the same instance replaces one not sent yet.
    const queued = this.#control.findIndex((c) => c.event === ReservedEvent.Mount && c.type === view.type && c.instance === view.instance);
    if (queued >= 0) this.#control.splice(queued, 1);
    this.#control.push(mount);
    this.#pump();
  }

  #resync(view: InstanceView): void {
    if (view.resyncing) return;
    this.#queueMount(view);
  }

  #unmount(view: InstanceView): void {
    view.unmountTimer = undefined;
    if (view.listeners.size > 0) return;
    this.#instances.delete(view.key);
    this.#gate.forget(view.key);
    clearTimeout(view.recheckTimer);
    this.#control.push({ event: ReservedEvent.Unmount, type: view.type, instance: view.instance, payload: {} });
    this.#pump();
  }

  /** Sends control frames (mounts) first, then queued events, within the transport's window. */
  async #pump(): Promise<void> {
    const transport = this.#transport;
    if (this.#pumping || !transport || performance.now() < this.#pausedUntil) return;
    this.#pumping = true;
    try {
      while (transport === this.#transport && transport.canSend) {
        const control = this.#control.shift();
        if (control) {
          const sending = transport.send(control);
          this.dispatchEvent(new NascSendEvent(control));
          const result = await sending;
          if (result.status === 'retry') {
            this.#control.unshift(control);
            this.#retryPumpLater(result);
            return;
          }
          if (result.status === 'rejected' && result.code === 'client_id_taken') {
            this.#rotateClientId();
            return;
          }
          if (result.status === 'rejected') this.#deliverError(rejection(control, result));
          continue;
        }
        const ready = this.#outbox.sendable(transport.window);
        if (ready.length === 0) return;
        for (const entry of ready) {
          entry.sent = true;
          entry.sentAt = performance.now();
          this.#watchAcks();
          // Sent first, announced right after (listeners still hear of it in the same task).
          const sending = transport.send(entry.event);
          this.dispatchEvent(new NascSendEvent(entry.event));
          const result = await sending;
          if (result.status === 'retry') {
            entry.sent = false;
            this.#retryPumpLater(result);
            return;
          }
          this.#sendFailures = 0;
          if (result.status === 'rejected' && result.code === 'client_id_taken') {
            entry.sent = false;
            this.#rotateClientId();
            return;
          }
          if (result.status === 'rejected') {
            const error = rejection(entry.event, result);
            this.#settle(entry.event.eventId, { ok: false, ...error });
            this.#deliverError(error);
          } else if (transport.kind === TransportKind.Sse) {
            // 202 means applied: the ack on the stream settles it, and the POST window moves on now.
            this.#outbox.markAccepted(entry.event.eventId);
            this.#expectAck(entry);
          }
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * The server says this client id is held by another session: this happens when tabs opened at once each
   * got their own session cookie and the browser kept only the last. Take a new id and reconnect (the stream
   * then carries the cookie the browser kept); queued events go again under it.
   */
  #rotateClientId(): void {
    this.#renewClientId();
    if (this.#transport) this.#openStream(ConnectionState.Reconnecting);
  }

  /** Takes a new client id (queued events move with it); the next open uses it. */
  #renewClientId(): void {
    this.#clientId = this.#tabOwnsId ? newTabClientId(this.#tabSlot) : randomId();
    this.#outbox.rename(this.#clientId);
    const transport = this.#transport;
    if (!transport) return;
    transport.close();
    this.#transport = this.#createTransport(transport.kind);
  }

  /**
   * The ack of an accepted event comes on the stream within milliseconds; one that does not means the stream
   * is no longer this client's. Behind a load balancer without stickiness, a tab's session cookie can change
   * under its open stream (tabs opened at once each get one, and the browser keeps the last), and the acks of
   * its POSTs, addressed to the new session, then reach no stream. Reopening binds the stream to the cookie the
   * POSTs carry; the event goes again and is answered from the outcome the server kept.
   */
  #expectAck(entry: OutboxEntry): void {
    const sentAt = entry.sentAt;
    setTimeout(() => {
      if (!entry.accepted || entry.sentAt !== sentAt || !this.#outbox.holds(entry) || this.#state !== ConnectionState.Live) return;
      this.#transport!.close();
      this.#onClose('no ack for an accepted event');
    }, ACCEPTED_ACK_TIMEOUT_MS);
  }

  /** While events are on the wire, checks now and then that none waits for an answer that was lost. */
  #watchAcks(): void {
    this.#ackTimer ??= setTimeout(() => {
      this.#ackTimer = undefined;
      if (this.#state === ConnectionState.Closed) return;
      if (this.#state === ConnectionState.Live && this.#outbox.expire(performance.now() - this.#ackTimeoutMs) > 0) this.#pump();
      if (this.#outbox.inFlight) this.#watchAcks();
    }, this.#ackTimeoutMs / 2);
  }

  #retryPumpLater(result: Extract<SendResult, { status: 'retry' }>): void {
    // Without a stated wait, each failure in a row waits longer (a server answering 5xx is not hammered).
    const delay = Math.ceil(result.retryAfterMs ?? backoffDelay(this.#attempt + this.#sendFailures++, 250, 5_000));
    // Several refusals arrive together (a pipelined burst): the longest wait stands, not the last one told.
    if (performance.now() + delay <= this.#pausedUntil) return;
    this.#pausedUntil = performance.now() + delay;
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = setTimeout(() => {
      // The one timer left is the longest wait's. A timer may fire a fraction of a millisecond before
      // `performance.now()` reaches the mark, and a pump that found itself still paused would stop for good.
      this.#pausedUntil = 0;
      this.#pump();
    }, delay);
  }
}

function rejection(event: ClientEvent, result: { code: string; message: string }): ErrorPatch {
  const error: ErrorPatch = { action: PatchAction.Error, message: result.message, code: result.code, type: event.type, instance: event.instance };
  if (event.eventId) error.eventId = event.eventId;
  return error;
}

let defaultBase: string | URL = '/nasc/';

/** Sets where the page connection finds the server when nothing else says (the bundle uses its own URL). */
export function setDefaultBase(base: string | URL): void {
  defaultBase = base;
}

function toBaseUrl(base: string | URL): URL {
  const url = new URL(base, typeof location === 'undefined' ? 'http://localhost/' : location.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * The transport rule, applied once: `?transport=` in the page URL, else `transport="ws"` on any `<na-scope>`
 * present now, else the page-level setting, else SSE.
 */
export function chooseTransport(preference: TransportPreference): TransportKind {
  const fromUrl = new URLSearchParams(location.search).get('transport');
  if (fromUrl === TransportKind.Ws || fromUrl === TransportKind.Sse) return fromUrl;
  if (document.querySelector('na-scope[transport="ws"], na-scope[na-transport="ws"]')) return TransportKind.Ws;
  if (preference === TransportKind.Ws || preference === TransportKind.Sse) return preference;
  return TransportKind.Sse;
}

let pageConnection: PageConnection | undefined;

/** The page's connection, created on first use. */
export function getPageConnection(): PageConnection {
  return (pageConnection ??= new PageConnection());
}

/**
 * Configures the page's connection and returns it; call before the first scope connects.
 *
 * @example
 * import { connect } from '/nasc/nasc.js';
 * connect({ transport: 'ws' });
 */
export function connect(options: ConnectionOptions = {}): PageConnection {
  const connection = getPageConnection();
  connection.configure(options);
  return connection;
}
