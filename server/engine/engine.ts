import { randomUUID } from 'node:crypto';
import {
  PatchAction,
  ReservedEvent,
  type BindUpdatePatch,
  type ClientEvent,
  type ErrorPatch,
  type JsonObject,
  type SchemaPatch,
  type SnapshotPatch,
} from '../../protocol/index.js';
import type { Broker, BrokerReceiver, DirectMessage, PublishedBatch } from '../broker/broker.js';
import { Connection, type ClientChannel } from './connection.js';
import type { AnyHandler, HandlerContext } from './handler.js';
import { registerHandler, type RegisteredHandler } from './handler-registry.js';
import { GenerationalMap } from '../util/generational-map.js';
import { isPromiseLike } from '../util/awaitable.js';
import { InstanceActivity } from './instance-activity.js';
import { InstanceKeys } from './instance-keys.js';
import { InstancePolicies, type InstancePolicy } from './instance-policy.js';
import { KeyedQueue } from './keyed-queue.js';
import { LocalBroker } from '../broker/local-broker.js';
import { createConsoleLogger, type Logger } from '../util/logger.js';
import { MemoryStore } from '../store/memory-store.js';
import { NascError } from './nasc-error.js';
import { RateLimiter } from '../util/rate-limiter.js';
import { SchemaRegistry, type AppSchema } from './schema-registry.js';
import { SessionStreams } from './session-streams.js';
import { copyState, toJsonState } from './json-state.js';
import { ackJson, bindUpdateBatchJson } from './patch-json.js';
import { diffState } from './state-diff.js';
import type { EventOutcome, InstanceRecord, InstanceRef, Store } from '../store/store.js';

/** Options of {@link NascEngine}. */
export interface EngineOptions {
  /** One handler per type, keyed by type name. */
  handlers: Record<string, AnyHandler>;
  /** A JSON Schema whose `$defs` hold one schema per type. */
  schemas?: AppSchema;
  /** Where instances live (default: a new {@link MemoryStore}). */
  store?: Store;
  /** How patches reach streams held by other processes (default: in-process). */
  broker?: Broker;
  logger?: Logger;
  /**
   * May this session mount this instance, or send it this event? Refusals answer 403 (`forbidden`) and change
   * nothing. Runs in the instance's queue, so it sees events in order.
   *
   * @example
   * authorize: ({ session, type, instance }) => type !== 'User' || instance === `user-${session}`
   */
  authorize?: (request: AccessRequest) => boolean | Promise<boolean>;
  /**
   * Maps the instance a client names to the one it means, per session: `currentUser` → this session's user.
   * The client keeps using its own name; patches reach it under that name.
   *
   * @example
   * resolveInstance: ({ session, type, instance }) => (type === 'User' && instance === 'currentUser' ? `user-${session}` : instance)
   */
  resolveInstance?: (request: { session: string; type: string; instance: string }) => string;
  /**
   * Per type: who may create instances by mounting them, and how long idle ones are kept. Types not listed:
   * anyone may create, and instances never changed since their mount expire after 10 minutes idle.
   *
   * @example
   * instances: { User: { create: ({ session, instance }) => instance === `user-${session}` }, Room: { create: false } }
   */
  instances?: Readonly<Record<string, InstancePolicy>>;
  /** Per-session, per-client and per-process limits; going over answers 429 and is logged. */
  limits?: Partial<EngineLimits>;
}

/** Limits that keep one client or session from starving the others. */
export interface EngineLimits {
  /** Sustained events (mounts included) per second per client (default 50; a session may send twice this). */
  eventsPerSecond: number;
  /** Events a client may send at once before the rate applies (default 100). */
  eventBurst: number;
  /** Open streams per session, across its tabs (default 16). */
  streamsPerSession: number;
  /** Instances mounted at once per session, across its tabs (default 256). */
  mountsPerSession: number;
  /** Instances a session may create (by mounting one that does not exist) per second, sustained (default 5). */
  creationsPerSecond: number;
  /** Instances a session may create at once before that rate applies (default 100: a first visit to a page of new instances). */
  creationBurst: number;
  /** Instances this process creates per second, over all sessions, sustained (default 20). */
  serverCreationsPerSecond: number;
  /** Instances this process may create at once before that rate applies (default 200). */
  serverCreationBurst: number;
}

const DEFAULT_LIMITS: EngineLimits = {
  eventsPerSecond: 50,
  eventBurst: 100,
  streamsPerSession: 16,
  mountsPerSession: 256,
  creationsPerSecond: 5,
  creationBurst: 100,
  serverCreationsPerSecond: 20,
  serverCreationBurst: 200,
};

/** Who is asking: the server-issued session and the tab's client id. */
export interface Caller {
  session: string;
  clientId: string;
}

/** What {@link EngineOptions.authorize} decides on. */
export interface AccessRequest {
  session: string;
  clientId: string;
  type: string;
  /** The instance as resolved (what is stored). */
  instance: string;
  /** The instance as the client named it. */
  requested: string;
  /** `mount`, or the event's name. */
  event: string;
}

/** Why a request was refused before it changed anything; transports map it to a 4xx or an `error` patch. */
export interface Rejection {
  ok: false;
  status: 400 | 403 | 404 | 409 | 413 | 429;
  code: string;
  message: string;
  eventId?: string;
  /** With 429: when to try again. */
  retryAfterMs?: number;
}

/** The answer to {@link NascEngine.handle}: accepted (its outcome travels as patches), or refused. */
export type HandleResult = { ok: true; eventId: string } | Rejection;

const COMMIT_ATTEMPTS = 8;
/** How long after its wait a rate-limited client may take to send its refused event again before it is let go. */
const RATE_BLOCK_GRACE_MS = 10_000;
/** The wait told to events sent behind a refused one that has not come again yet. */
const RATE_BLOCK_RECHECK_MS = 50;

/** A client refused by a rate limit, or one of whose events failed on the way in. */
interface RateBlock {
  until: number;
  /** The refused event, which must come again before any other is taken. */
  eventId?: string;
  /** Started by a failure, not by the rate: the event may come again at once. */
  failed?: boolean;
}

/**
 * A surrogate not in a pair (with the `u` flag a pair is one code point): no id on the wire may hold one,
 * and a resolved instance is written where ids are (store keys, logs).
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** The registry key of a client's stream: its client id within its session. */
function connectionKey(caller: Caller): string {
  const known = connectionKeys.get(caller);
  // Checked, not trusted: a caller object reused with another session or client id gets its own key.
  if (known !== undefined && known.session === caller.session && known.clientId === caller.clientId) return known.key;
  return `${caller.session}\u001f${caller.clientId}`;
}

/**
 * The keys of the callers that opened streams. A socket passes the caller it opened with along with every
 * event, and a key made once is hashed once: a new one per event cost a string join and a hash in each map
 * it is looked up in. A caller made per request (SSE) is not in it, and a miss for an object never stored
 * costs next to nothing.
 */
const connectionKeys = new WeakMap<Caller, { session: string; clientId: string; key: string }>();

/**
 * The transport-agnostic core: mounts instances, runs events one at a time per instance, diffs state into
 * `bindUpdate` patches with revisions, and fans them out to every stream subscribed to the instance.
 * Transports only open/close connections and pass events in.
 */
export class NascEngine implements BrokerReceiver {
  readonly schemas: SchemaRegistry;
  readonly store: Store;
  readonly logger: Logger;
  readonly #handlers = new Map<string, RegisteredHandler>();
  readonly #broker: Broker;
  readonly #queue = new KeyedQueue();
  /** Every `(type, instance)` key this engine builds, made once per pair. */
  readonly #keys = new InstanceKeys();
  readonly #connections = new Map<string, Connection>();
  readonly #subscribers = new Map<string, Set<Connection>>();
  /** Open streams per session. */
  readonly #sessions = new SessionStreams();
  /**
   * The open stream holding each client id. While one session holds a client id, no other session may use
   * it; once its streams are gone it is free again (the session is part of every stream's key, so a later
   * holder never sees the earlier one's data).
   */
  readonly #holders = new Map<string, Connection>();
  readonly #limits: EngineLimits;
  readonly #rates: RateLimiter;
  readonly #sessionRates: RateLimiter;
  /** Clients refused by a rate limit: until when (performance.now()) and which event must come again first. */
  readonly #blocked = new GenerationalMap<string, RateBlock>(100_000);
  /** Mounts accepted but not yet answered, per session. */
  readonly #mountsInFlight = new Map<string, number>();
  readonly #authorize: EngineOptions['authorize'];
  readonly #resolveInstance: EngineOptions['resolveInstance'];
  readonly #lastLimitLog = new GenerationalMap<string, number>(10_000);
  readonly #policies: InstancePolicies;
  /** Instances created, per session and by the whole process. */
  readonly #creations: RateLimiter;
  readonly #serverCreations: RateLimiter;
  readonly #activity: InstanceActivity;

  constructor(options: EngineOptions) {
    for (const [type, handler] of Object.entries(options.handlers)) {
      this.#handlers.set(type, registerHandler(type, handler));
    }
    this.schemas = new SchemaRegistry(options.schemas);
    this.logger = options.logger ?? createConsoleLogger();
    this.store = options.store ?? new MemoryStore({ logger: this.logger });
    this.#broker = options.broker ?? new LocalBroker();
    this.#broker.attach(this);
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#rates = new RateLimiter({ rate: this.#limits.eventsPerSecond, burst: this.#limits.eventBurst });
    this.#sessionRates = new RateLimiter({ rate: 2 * this.#limits.eventsPerSecond, burst: 2 * this.#limits.eventBurst });
    this.#creations = new RateLimiter({ rate: this.#limits.creationsPerSecond, burst: this.#limits.creationBurst });
    this.#serverCreations = new RateLimiter({ rate: this.#limits.serverCreationsPerSecond, burst: this.#limits.serverCreationBurst, maxKeys: 2 });
    this.#authorize = options.authorize;
    this.#resolveInstance = options.resolveInstance;
    this.#policies = new InstancePolicies(options.instances ?? {}, new Set(this.#handlers.keys()));
    this.#activity = new InstanceActivity(
      this.store,
      { shown: () => this.#shownInstances(), expired: (instances) => this.#announceDeletions(instances) },
      this.logger,
      this.#policies.sweepIntervalMs,
    );
  }

  /** `{ [type]: { events: [...] } }`: every type and the events it accepts. */
  manifest(): Record<string, { events: string[] }> {
    const manifest: Record<string, { events: string[] }> = {};
    for (const [type, handler] of this.#handlers) manifest[type] = { events: [...handler.events.keys()] };
    return manifest;
  }

  /** The limits in force (defaults filled in). */
  get limits(): Readonly<EngineLimits> {
    return this.#limits;
  }

  /** Open streams on this process. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Checks that a caller may open a stream: its client id is not another session's, and its session is
   * under its stream limit (a reconnect replacing the same client's stream always may).
   */
  admit(caller: Caller): Rejection | undefined {
    if (this.#heldByOther(caller)) return reject(403, 'client_id_taken', 'This client id belongs to another session.');
    if (this.#sessions.count(caller.session) >= this.#limits.streamsPerSession && !this.#connections.has(connectionKey(caller))) {
      this.#logLimit('streams', caller);
      return reject(429, 'too_many_streams', `A session may hold ${this.#limits.streamsPerSession} streams at once.`, undefined, 5_000);
    }
    return undefined;
  }

  /**
   * Registers a client's stream, replacing (and closing) any earlier stream of the same client, and sends it
   * the opening `[]`. The stream starts subscribed to nothing: the client mounts what it shows, each mount
   * with the revision it holds, and gets what it missed. Call {@link admit} first.
   */
  open(caller: Caller, channel: ClientChannel): Connection {
    const key = connectionKey(caller);
    connectionKeys.set(caller, { session: caller.session, clientId: caller.clientId, key });
    const previous = this.#connections.get(key);
    if (previous) {
      this.close(previous);
      previous.channel.close('replaced by a newer stream of the same client');
    }
    const connection = new Connection(key, caller, channel);
    this.#connections.set(key, connection);
    // A reopened client sends its unacknowledged events again, oldest first, and the first of them refused
    // leads from now on (the old leader may be behind one that was applied but not yet acknowledged).
    const block = this.#blocked.get(key);
    if (block?.eventId !== undefined) this.#blocked.set(key, { until: block.until });
    this.#holders.set(caller.clientId, connection);
    this.#sessions.add(connection);
    // An empty patch array first: the client learns the stream really carries messages (no proxy buffering
    // it) before anything else happens.
    connection.send('[]');
    return connection;
  }

  /** Unregisters a stream. A late close of a replaced stream leaves the newer one alone. */
  close(connection: Connection): void {
    if (this.#connections.get(connection.key) === connection) this.#connections.delete(connection.key);
    if (this.#holders.get(connection.clientId) === connection) this.#holders.delete(connection.clientId);
    this.#sessions.delete(connection);
    this.#detach(connection);
  }

  /**
   * Takes one event from a client. Resolves once it has been applied (its patches and ack already handed to
   * the streams) or refused (nothing changed).
   */
  async handle(caller: Caller, event: ClientEvent): Promise<HandleResult> {
    const eventId = event.eventId ?? randomUUID();
    if (this.#heldByOther(caller)) return reject(403, 'client_id_taken', 'This client id belongs to another session.', eventId);
    const handler = this.#handlers.get(event.type);
    if (!handler) return reject(404, 'unknown_type', `Unknown type "${event.type}".`, eventId);
    // Per client, and per session too: client ids are the caller's to choose, so a flood could name a new
    // one for every event. A session (one browser) gets twice a tab's budget.
    const client = connectionKey(caller);
    const wait = this.#rateWait(client, caller.session, event);
    if (wait > 0) {
      if (this.#blocked.get(client)?.failed) return retryFirst(eventId, wait);
      this.#logLimit('events', caller);
      return reject(429, 'rate_limited', 'Too many events: slow down.', eventId, wait);
    }
    const instance = this.#resolve(caller, event.type, event.instance);
    const key = this.#keys.of(event.type, instance);
    const resolved: ClientEvent = instance === event.instance ? event : { ...event, instance };
    if (event.event === ReservedEvent.Mount) {
      const connection = this.#connections.get(client);
      if (!this.#broker.distributed && !connection) {
        return reject(409, 'no_stream', 'Open the event stream for this clientId before mounting.', eventId);
      }
      const fresh = !connection?.subscriptions.has(key);
      if (fresh && this.#mountCount(caller.session) + (this.#mountsInFlight.get(caller.session) ?? 0) >= this.#limits.mountsPerSession) {
        this.#logLimit('mounts', caller);
        return reject(429, 'too_many_mounts', `A session may mount ${this.#limits.mountsPerSession} instances at once.`, eventId, 5_000);
      }
      // Mounts still queued count too, or a burst of them would all pass the check above.
      if (fresh) this.#mountsInFlight.set(caller.session, (this.#mountsInFlight.get(caller.session) ?? 0) + 1);
      return this.#queue
        .run(key, async () => {
          const refused = await this.#refuse(caller, resolved, event.instance, eventId);
          return refused ?? this.#mount(client, caller, handler, resolved, event.instance, eventId);
        })
        .finally(() => {
          if (!fresh) return;
          const left = (this.#mountsInFlight.get(caller.session) ?? 1) - 1;
          if (left > 0) this.#mountsInFlight.set(caller.session, left);
          else this.#mountsInFlight.delete(caller.session);
        });
    }
    if (event.event === ReservedEvent.Unmount) {
      // Queued like everything else for the instance, so a mount sent just before it is undone, not kept.
      return this.#queue.run(key, async () => {
        await this.#broker.sendDirect({ clientId: client, unsubscribe: { type: event.type, instance, name: event.instance } });
        return { ok: true, eventId } as const;
      });
    }
    const run = handler.events.get(event.event);
    if (!run) return reject(404, 'unknown_event', `Type "${event.type}" has no event "${event.event}".`, eventId);
    return this.#queue.run(key, async () => {
      // Queued before an earlier event of this client failed: it waits for that one to come again.
      if (this.#heldBehindFailure(client, event)) return retryFirst(eventId, RATE_BLOCK_RECHECK_MS);
      try {
        // Without an `authorize` hook there is nothing to wait for.
        const refused = this.#authorize ? await this.#refuse(caller, resolved, event.instance, eventId) : undefined;
        return refused ?? (await this.#apply(client, caller, run, resolved, event.instance, eventId));
      } catch (error) {
        // Not processed (the store, the broker or a hook failed): the client sends it again, and nothing it
        // sent behind it (a socket pipelines) may be applied before it is.
        if (event.eventId !== undefined) this.#blocked.set(client, { until: performance.now(), eventId: event.eventId, failed: true });
        throw error;
      }
    });
  }

  /**
   * Sends an event from the server itself (a timer, a webhook, another system): applied like a client's, in
   * the instance's queue, fanned out to every subscriber; no session, limits or `authorize` apply.
   *
   * @example
   * setInterval(() => nasc.engine.dispatch({ event: 'tick', type: 'Clock', instance: 'main', payload: {} }), 1000);
   */
  async dispatch(event: ClientEvent): Promise<HandleResult> {
    const eventId = event.eventId ?? randomUUID();
    const handler = this.#handlers.get(event.type);
    if (!handler) return reject(404, 'unknown_type', `Unknown type "${event.type}".`, eventId);
    const run = handler.events.get(event.event);
    if (!run) return reject(404, 'unknown_event', `Type "${event.type}" has no event "${event.event}".`, eventId);
    const server: Caller = { session: '', clientId: '' };
    return this.#queue.run(this.#keys.of(event.type, event.instance), () =>
      this.#apply(connectionKey(server), server, run, event, event.instance, eventId),
    );
  }

  /** Closes the streams of one client id (in whatever session): it reconnects and resumes. */
  disconnectClient(clientId: string, reason = 'server closed the stream'): number {
    let closed = 0;
    for (const connection of [...this.#connections.values()]) {
      if (connection.clientId !== clientId) continue;
      connection.channel.close(reason);
      this.close(connection);
      closed += 1;
    }
    return closed;
  }

  /**
   * Closes every open stream (clients reconnect and mount again from the revisions they hold): for a rolling deploy, or a
   * test that needs the network to fail.
   */
  disconnectAll(reason = 'server closed the stream'): void {
    for (const connection of [...this.#connections.values()]) {
      connection.channel.close(reason);
      this.close(connection);
    }
  }

  /**
   * Deletes an instance: its state, its log and its event outcomes (the Redis store leaves outcomes to their
   * TTL). Streams subscribed to it, on any process, get an `error` patch with code `instance_deleted` and are
   * unsubscribed. A later mount creates it anew, if the app's `instances` policy allows. Runs in the
   * instance's queue, after the events already queued. Resolves whether it existed.
   *
   * @example
   * await nasc.engine.deleteInstance('TodoList', 'archived-list');
   */
  async deleteInstance(type: string, instance: string): Promise<boolean> {
    return this.#queue.run(this.#keys.of(type, instance), async () => {
      const deleted = await this.store.delete(type, instance);
      // Told even when this store had nothing: a stream may still show an instance that expired meanwhile.
      await this.#broker.publishDeletion(type, instance);
      if (deleted) this.logger.info('instance deleted', { type, instance });
      return deleted;
    });
  }

  /**
   * One round of keeping instances in use alive and expiring idle ones, as the timer does a few times per
   * lifetime. For tests and for apps that want idle instances gone now.
   */
  sweepIdleInstances(): Promise<void> {
    return this.#activity.sweep();
  }

  /** Closes every stream and the store. */
  async shutdown(): Promise<void> {
    this.#activity.stop();
    this.disconnectAll('server shutting down');
    await this.#broker.close();
    await this.store.close();
  }

  // BrokerReceiver: what reaches this process.

  deliverBatch(published: PublishedBatch): void {
    const key = this.#keys.of(published.type, published.instance);
    const subscribers = this.#subscribers.get(key);
    const origin = published.origin;
    let originServed = false;
    if (subscribers) {
      for (const connection of subscribers) {
        if (origin && connection.key === origin.clientId) {
          originServed = true;
          connection.send(`${published.batch.slice(0, -1)},${origin.ack}]`);
        } else {
          connection.send(published.batch);
        }
      }
    }
    if (origin && !originServed) this.#connections.get(origin.clientId)?.send(`[${origin.ack}]`);
  }

  deliverDeletion(type: string, instance: string): void {
    const key = this.#keys.of(type, instance);
    const subscribers = this.#subscribers.get(key);
    if (!subscribers) return;
    this.#subscribers.delete(key);
    const error: ErrorPatch = { action: PatchAction.Error, message: 'This instance was deleted.', code: 'instance_deleted', type, instance };
    const message = JSON.stringify([error]);
    for (const connection of subscribers) {
      // Sent while still subscribed, so it names the instance as the page does; then every name goes.
      connection.send(message);
      connection.unsubscribe(key, instance);
    }
  }

  deliverDirect(direct: DirectMessage): void {
    const connection = this.#connections.get(direct.clientId);
    if (!connection) return;
    const unsubscribe = direct.unsubscribe;
    if (unsubscribe) {
      const key = this.#keys.of(unsubscribe.type, unsubscribe.instance);
      if (connection.unsubscribe(key, unsubscribe.instance, unsubscribe.name)) this.#unsubscribe(key, connection);
    }
    const position = direct.position;
    if (position?.subscribe && this.#connections.get(connection.key) === connection) {
      const key = this.#keys.of(position.type, position.instance);
      connection.subscribe(key, position.instance, position.alias ?? position.instance);
      this.#subscribe(key, connection);
    }
    if (direct.message !== undefined) connection.send(direct.message);
  }

  // Internals.

  /**
   * How long a client must wait before this event may be taken (0: take it now). Once an event is refused,
   * the client stays refused until that same event comes again after its wait: a socket pipelines events, and
   * without this one sent right behind the refused one could land after a refill and be applied first.
   */
  #rateWait(client: string, session: string, event: ClientEvent): number {
    const now = performance.now();
    // Mounts are asked for again under a new id: only ordinary events hold the line.
    const ordered = event.eventId !== undefined && event.event !== ReservedEvent.Mount && event.event !== ReservedEvent.Unmount;
    // Nearly always nobody is blocked: skip the lookup.
    const block = this.#blocked.size === 0 ? undefined : this.#blocked.get(client);
    if (block) {
      if (now < block.until) {
        // After a reopen (or a refused mount) no event leads yet: the first one refused does.
        if (block.eventId === undefined && ordered) block.eventId = event.eventId;
        return Math.ceil(block.until - now);
      }
      const first = block.eventId === undefined || block.eventId === event.eventId;
      // A client that never sends the refused event again (it gave it up, or reloaded without it) is let go.
      if (!first && now < block.until + RATE_BLOCK_GRACE_MS) return RATE_BLOCK_RECHECK_MS;
      this.#blocked.delete(client);
    }
    const wait = Math.max(this.#rates.take(client, now), this.#sessionRates.take(session, now));
    if (wait > 0) this.#blocked.set(client, { until: now + wait, ...(ordered ? { eventId: event.eventId } : {}) });
    return wait;
  }

  /** Whether an earlier event of this client failed and has not come again yet (this is not that event). */
  #heldBehindFailure(client: string, event: ClientEvent): boolean {
    // Checked for every queued event; nearly always nobody is blocked.
    if (this.#blocked.size === 0) return false;
    const block = this.#blocked.get(client);
    return block?.failed === true && block.eventId !== event.eventId && performance.now() < block.until + RATE_BLOCK_GRACE_MS;
  }

  async #mount(
    clientId: string,
    caller: Caller,
    handler: RegisteredHandler,
    event: ClientEvent,
    requested: string,
    eventId: string,
  ): Promise<HandleResult> {
    const { type, instance } = event;
    // Touched before it is read: expiry cannot delete it between the read and the subscription.
    await this.store.touch([{ type, instance }]);
    let record = await this.store.load(type, instance);
    let created = false;
    if (!record) {
      const refused = await this.#refuseCreation(caller, event, requested, eventId);
      if (refused) return refused;
      let state: JsonObject;
      try {
        state = toJsonState(await handler.mount({ ...event.payload, instance }));
      } catch (error) {
        const failure = this.#failure(error, { type, instance, event: ReservedEvent.Mount, eventId, session: caller.session });
        await this.#sendError(clientId, { ...failure, eventId, type, instance: requested });
        return { ok: true, eventId };
      }
      created = await this.store.commit(type, instance, { state, rev: 1, expectedRev: 0, idleTtlMs: this.#policies.idleTtl(type, 1) });
      record = created ? { state, rev: 1 } : await this.store.load(type, instance);
      if (!record) throw new Error(`instance ${type}/${instance} vanished while mounting`);
    }
    const known = event.rev ?? 0;
    // Schemas are this client's alone: they name the instance as it does.
    const schemas = event.rev === undefined ? this.#schemaPatches(type, requested) : [];
    // A client holding a revision of an instance this mount just created held one that was deleted since:
    // whatever it shows belongs to that one, so it starts over from this one's snapshot.
    await this.#sendPosition(clientId, type, instance, record, known, schemas, requested, created && known > 0);
    // The mount's own ack follows its answer, so the client knows the answer is complete (even when it was
    // empty: nothing missed). Only for a client that named the mount, to keep answers reproducible.
    if (event.eventId !== undefined) {
      await this.#broker.sendDirect({ clientId, message: `[${ackJson(eventId, type, instance, record.rev)}]` });
    }
    return { ok: true, eventId };
  }

  /**
   * Subscribes a client to an instance and brings it from revision `known` to `record`: replay or snapshot.
   * `startOver`: the instance is not the one the client knew, so a snapshot marked `reset`, whatever `known` is.
   */
  async #sendPosition(
    clientId: string,
    type: string,
    instance: string,
    record: InstanceRecord,
    known: number,
    schemas: SchemaPatch[],
    requested: string,
    startOver = false,
  ): Promise<void> {
    const subscribeAt = (rev: number) => ({ type, instance, rev, subscribe: true, ...(requested === instance ? {} : { alias: requested }) });
    if (!startOver && known > 0 && known <= record.rev) {
      const missed = await this.store.readLog(type, instance, known);
      if (missed) {
        await this.#broker.sendDirect({
          clientId,
          position: subscribeAt(known),
          ...(schemas.length ? { message: JSON.stringify(schemas) } : {}),
        });
        for (const entry of missed) {
          await this.#broker.sendDirect({ clientId, message: entry.batch, position: { type, instance, rev: entry.rev } });
        }
        return;
      }
    }
    const marker: SnapshotPatch = { action: PatchAction.Snapshot, type, instance, rev: record.rev };
    // The client holds a revision this instance never reached: it was created anew since.
    if (startOver || known > record.rev) marker.reset = true;
    const snapshot: (SchemaPatch | SnapshotPatch | BindUpdatePatch)[] = [...schemas, marker];
    for (const [prop, value] of Object.entries(record.state)) {
      snapshot.push({ action: PatchAction.BindUpdate, type, instance, prop, value, rev: record.rev, snapshot: true });
    }
    await this.#broker.sendDirect({ clientId, position: subscribeAt(record.rev), message: JSON.stringify(snapshot) });
  }

  async #apply(
    clientId: string,
    caller: Caller,
    run: (...args: unknown[]) => unknown,
    event: ClientEvent,
    requested: string,
    eventId: string,
  ): Promise<HandleResult> {
    const { type, instance } = event;
    // Each store answer is awaited only when it is a promise: the memory and SQLite stores answer at once,
    // and every await skipped on this path is a microtask and a few allocations less per event.
    const recalled = this.store.recallOutcome(type, instance, eventId);
    const earlier = isPromiseLike(recalled) ? await recalled : recalled;
    if (earlier) {
      await this.#sendOutcome(clientId, eventId, earlier);
      return { ok: true, eventId };
    }
    const context: HandlerContext = { type, instance, event: event.event, eventId, clientId: caller.clientId, session: caller.session };
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      const loaded = this.store.load(type, instance);
      const record = isPromiseLike(loaded) ? await loaded : loaded;
      if (!record) return reject(409, 'not_mounted', `Instance "${requested}" of type "${type}" is not mounted.`, eventId);
      const started = performance.now();
      let next: JsonObject;
      try {
        const result = run(event.payload, copyState(record.state), context);
        next = toJsonState(isPromiseLike(result) ? await result : result);
      } catch (error) {
        const failure = this.#failure(error, {
          type,
          instance,
          event: event.event,
          eventId,
          session: caller.session,
          ms: Math.round(performance.now() - started),
        });
        const outcome: EventOutcome = { ok: false, type, instance, ...failure };
        await this.#saveUnchanged(type, instance, eventId, outcome, caller.session);
        await this.#sendOutcome(clientId, eventId, outcome);
        return { ok: true, eventId };
      }
      const changes = diffState(record.state, next);
      if (changes.length === 0) {
        const outcome: EventOutcome = { ok: true, type, instance, rev: record.rev };
        await this.#saveUnchanged(type, instance, eventId, outcome, caller.session);
        await this.#sendOutcome(clientId, eventId, outcome);
        return { ok: true, eventId };
      }
      const rev = record.rev + 1;
      const batch = bindUpdateBatchJson(type, instance, rev, changes);
      const outcome: EventOutcome = { ok: true, type, instance, rev };
      const committing = this.store.commit(type, instance, {
        state: next,
        rev,
        expectedRev: record.rev,
        batch,
        // The session is the sender: a tab's client id can change under it (its outbox then goes again under
        // the new id), its session does not.
        outcome: { eventId, outcome, sender: caller.session },
        idleTtlMs: this.#policies.idleTtl(type, rev),
      });
      const committed = isPromiseLike(committing) ? await committing : committing;
      // Another process moved the instance on: run the handler again on the newer state. After a second loss,
      // wait a little (jittered, growing) so that processes racing on one instance stop colliding in lockstep.
      if (!committed) {
        if (attempt >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
        continue;
      }
      const publishing = this.#broker.publish({ type, instance, rev, batch, origin: { clientId, ack: ackJson(eventId, type, instance, rev) } });
      if (isPromiseLike(publishing)) await publishing;
      return { ok: true, eventId };
    }
    throw new Error(`gave up on ${type}/${instance} after ${COMMIT_ATTEMPTS} conflicting writes`);
  }

  /** Remembers the outcome of an event that changed nothing; the instance counts as in use at the next round. */
  async #saveUnchanged(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Promise<void> {
    const saving = this.store.saveOutcome(type, instance, eventId, outcome, sender);
    if (isPromiseLike(saving)) await saving;
    this.#activity.note(this.#keys.of(type, instance), type, instance);
  }

  /**
   * Asks whether a mount may create the instance it names: the type's `create` rule, then the session's and
   * the process's creation budgets (the session's first, so that a session over its own budget spends none
   * of everyone's).
   */
  async #refuseCreation(caller: Caller, event: ClientEvent, requested: string, eventId: string): Promise<Rejection | undefined> {
    const { type, instance } = event;
    const create = this.#policies.creator(type);
    if (create !== undefined) {
      const request: AccessRequest = { session: caller.session, clientId: caller.clientId, type, instance, requested, event: ReservedEvent.Mount };
      if (!(typeof create === 'function' ? await create(request) : create)) {
        this.logger.info('create forbidden', { session: caller.session, type, instance });
        return reject(403, 'create_forbidden', `There is no instance "${requested}" of type "${type}", and you may not create it.`, eventId);
      }
    }
    const now = performance.now();
    const wait = this.#creations.take(caller.session, now);
    if (wait > 0) {
      this.#logLimit('creations', caller);
      return reject(429, 'too_many_creations', 'Too many new instances from this session: slow down.', eventId, wait);
    }
    const serverWait = this.#serverCreations.take('', now);
    if (serverWait > 0) {
      this.#creations.give(caller.session);
      this.#logLimit('server_creations', caller, '');
      return reject(429, 'server_too_many_creations', 'The server is creating too many instances: try again shortly.', eventId, serverWait);
    }
    return undefined;
  }

  /** The instances this process's streams are subscribed to. */
  *#shownInstances(): Iterable<InstanceRef> {
    for (const key of this.#subscribers.keys()) {
      const separator = key.indexOf('\u0000');
      yield { type: key.slice(0, separator), instance: key.slice(separator + 1) };
    }
  }

  async #announceDeletions(instances: InstanceRef[]): Promise<void> {
    for (const { type, instance } of instances) {
      const announcing = this.#broker.publishDeletion(type, instance);
      if (isPromiseLike(announcing)) await announcing;
    }
  }

  #schemaPatches(type: string, instance: string): SchemaPatch[] {
    return this.schemas.closure(type).map((name) => ({
      action: PatchAction.Schema,
      type: name,
      instance,
      schema: this.schemas.get(name)!,
    }));
  }

  async #sendOutcome(clientId: string, eventId: string, outcome: EventOutcome): Promise<void> {
    if (outcome.ok) {
      await this.#broker.sendDirect({ clientId, message: `[${ackJson(eventId, outcome.type, outcome.instance, outcome.rev)}]` });
      return;
    }
    const { message, code, type, instance, field, details } = outcome;
    await this.#sendError(clientId, {
      message,
      code,
      eventId,
      type,
      instance,
      ...(field === undefined ? {} : { field }),
      ...(details === undefined ? {} : { details }),
    });
  }

  async #sendError(clientId: string, patch: Omit<ErrorPatch, 'action'>): Promise<void> {
    const error: ErrorPatch = { action: PatchAction.Error, ...patch };
    await this.#broker.sendDirect({ clientId, message: JSON.stringify([error]) });
  }

  /** What the client is told about a handler failure, after logging it: a user-facing NascError, or nothing. */
  #failure(error: unknown, fields: Record<string, string | number>): { message: string; code: string; field?: string; details?: JsonObject } {
    if (error instanceof NascError) {
      this.logger.info('event rejected', { ...fields, code: error.code });
      return {
        message: error.message,
        code: error.code,
        ...(error.field === undefined ? {} : { field: error.field }),
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    }
    this.#logFailure('handler failed', error, fields);
    const what = fields.event === ReservedEvent.Mount ? 'Mounting' : `Event "${fields.event}"`;
    return { message: `${what} failed on the server.`, code: 'handler_failed' };
  }

  #logFailure(message: string, error: unknown, fields: Record<string, string | number>): void {
    this.logger.error(message, {
      ...fields,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  }

  /** Asks the app's `authorize` hook; a refusal is the answer, nothing else happens. */
  async #refuse(caller: Caller, event: ClientEvent, requested: string, eventId: string): Promise<Rejection | undefined> {
    if (!this.#authorize) return undefined;
    const allowed = await this.#authorize({
      session: caller.session,
      clientId: caller.clientId,
      type: event.type,
      instance: event.instance,
      requested,
      event: event.event,
    });
    if (allowed) return undefined;
    this.logger.warn('forbidden', { session: caller.session, type: event.type, instance: event.instance, event: event.event });
    return reject(403, 'forbidden', 'You are not allowed to do that.', eventId);
  }

  #resolve(caller: Caller, type: string, instance: string): string {
    if (!this.#resolveInstance) return instance;
    const resolved = this.#resolveInstance({ session: caller.session, type, instance });
    if (typeof resolved !== 'string' || resolved === '' || LONE_SURROGATE.test(resolved)) {
      throw new TypeError(`resolveInstance returned no usable instance for ${type}/${instance}`);
    }
    return resolved;
  }

  #heldByOther(caller: Caller): boolean {
    const holder = this.#holders.get(caller.clientId);
    return holder !== undefined && holder.session !== caller.session;
  }

  #mountCount(session: string): number {
    let count = 0;
    for (const connection of this.#sessions.of(session)) count += connection.subscriptions.size;
    return count;
  }

  /**
   * Logs a limit hit, at most once per 10 s per limit and `scope` (the session, or `''` for a limit of the
   * whole process), so a flood cannot flood the log too.
   */
  #logLimit(limit: string, caller: Caller, scope = caller.session): void {
    const key = `${limit}\u001f${scope}`;
    const now = Date.now();
    if ((this.#lastLimitLog.get(key) ?? 0) > now - 10_000) return;
    this.#lastLimitLog.set(key, now);
    this.logger.warn('limit reached', { limit, session: caller.session, clientId: caller.clientId });
  }

  #subscribe(key: string, connection: Connection): void {
    let set = this.#subscribers.get(key);
    if (!set) this.#subscribers.set(key, (set = new Set()));
    set.add(connection);
  }

  #unsubscribe(key: string, connection: Connection): void {
    const set = this.#subscribers.get(key);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.#subscribers.delete(key);
  }

  #detach(connection: Connection): void {
    for (const key of connection.subscriptions.keys()) this.#unsubscribe(key, connection);
  }
}

/** The answer to an event sent behind one of the same client that failed and has not come again yet. */
function retryFirst(eventId: string, retryAfterMs: number): Rejection {
  return reject(429, 'retry_first', 'An earlier event failed: send it again first.', eventId, retryAfterMs);
}

function reject(status: Rejection['status'], code: string, message: string, eventId?: string, retryAfterMs?: number): Rejection {
  const rejection: Rejection = { ok: false, status, code, message };
  if (eventId !== undefined) rejection.eventId = eventId;
  if (retryAfterMs !== undefined) rejection.retryAfterMs = retryAfterMs;
  return rejection;
}
