import { randomUUID } from 'node:crypto';
import { ReservedEvent, type ClientEvent, type JsonObject } from '../../protocol/index.js';
import type { Broker } from '../broker/broker.js';
import { LocalBroker } from '../broker/local-broker.js';
import { errorAnswer, silentObserver, type Observer } from '../observe/observer.js';
import { isBackendUnavailable } from '../store/backend-unavailable.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { toLogger, type LevelledLogger } from '../util/logger.js';
import { Access } from './access.js';
import { Admission, RATE_BLOCK_RECHECK_MS } from './admission.js';
import { Answers } from './answers.js';
import { Applying } from './applying.js';
import type { ClientChannel, Connection } from './connection.js';
import { connectionKey } from './connection-key.js';
import { DEFAULT_LIMITS, type Caller, type EngineLimits, type EngineOptions } from './engine-options.js';
import { registerHandler, type RegisteredHandler } from './handler-registry.js';
import { InstanceActivity } from './instance-activity.js';
import { InstanceKeys } from './instance-keys.js';
import { InstancePolicies } from './instance-policy.js';
import { KeyedQueue } from './keyed-queue.js';
import { Mounting, type InstanceRead } from './mounting.js';
import { compilePayloadChecks, type PayloadCheck } from './payload-validation.js';
import { clientIdTaken, reject, retryFirst, type HandleResult, type Rejection } from './rejection.js';
import type { PayloadSchema } from './payload-schema.js';
import { SchemaRegistry } from './schema-registry.js';
import { StreamRegistry } from './stream-registry.js';

export type { AccessRequest, Caller, EngineLimits, EngineOptions } from './engine-options.js';
export type { HandleResult, Rejection } from './rejection.js';

/**
 * The transport-agnostic core, as one object: streams open and close here, events come in here. Each event
 * is admitted (limits, order), resolved and authorized (the app's hooks), then mounted or applied in its
 * instance's queue, one at a time per instance; changes go out through the broker, which delivers them to
 * the stream registry of every process. No transport is known here: a stream is a {@link ClientChannel}.
 */
export class NascEngine {
  readonly schemas: SchemaRegistry;
  readonly store: Store;
  readonly logger: LevelledLogger;
  /** Where the engine reports its work (logs, metrics, traces): `createNasc`'s, or one that only tags sessions. */
  readonly observer: Observer;
  readonly #handlers = new Map<string, RegisteredHandler>();
  /** Per type, the payload checks of its events that declare a schema: compiled once, here. */
  readonly #payloadChecks = new Map<string, ReadonlyMap<string, PayloadCheck>>();
  readonly #broker: Broker;
  readonly #queue = new KeyedQueue();
  /** Every `(type, instance)` key this engine builds, made once per pair. */
  readonly #keys = new InstanceKeys();
  readonly #streams: StreamRegistry;
  readonly #admission: Admission;
  readonly #access: Access;
  readonly #mounting: Mounting;
  readonly #applying: Applying;
  readonly #activity: InstanceActivity;

  /** `observer`: where the engine reports its work (`createNasc` passes the one its logs and metrics share). */
  constructor(options: EngineOptions, observer: Observer = silentObserver()) {
    for (const [type, handler] of Object.entries(options.handlers)) {
      const registered = registerHandler(type, handler);
      this.#handlers.set(type, registered);
      if (registered.payloads.size > 0) this.#payloadChecks.set(type, compilePayloadChecks(type, registered.payloads, options.payloadValidator));
    }
    this.schemas = new SchemaRegistry(options.schemas);
    this.logger = toLogger(options.logger);
    this.observer = observer;
    this.store = options.store ?? new MemoryStore({ logger: this.logger });
    this.store.observe?.(observer);
    this.#streams = new StreamRegistry(this.#keys, observer);
    this.#broker = options.broker ?? new LocalBroker();
    this.#broker.observe?.(observer);
    this.#broker.attach(this.#streams);
    this.#admission = new Admission({ ...DEFAULT_LIMITS, ...options.limits }, this.#streams, this.logger, observer.tag);
    const policies = new InstancePolicies(options.instances ?? {}, new Set(this.#handlers.keys()));
    this.#access = new Access(options, policies, this.logger, observer.tag);
    this.#activity = new InstanceActivity(
      this.store,
      {
        shown: () => this.#streams.shown(),
        expired: async (instances) => {
          for (const { type, instance } of instances) await this.#broker.publishDeletion(type, instance);
        },
      },
      this.logger,
      policies.sweepIntervalMs,
    );
    const answers = new Answers(this.#broker, this.logger, observer.tag);
    const common = { store: this.store, broker: this.#broker, policies, answers };
    this.#mounting = new Mounting({ ...common, schemas: this.schemas, access: this.#access, admission: this.#admission });
    this.#applying = new Applying({ ...common, keys: this.#keys, activity: this.#activity, observer });
  }

  /**
   * `{ [type]: { events: [...], payloads?: { [event]: schema } } }`: every type, the events it accepts, and the
   * payload schemas of those that declare one.
   */
  manifest(): Record<string, { events: string[]; payloads?: Record<string, PayloadSchema> }> {
    const manifest: Record<string, { events: string[]; payloads?: Record<string, PayloadSchema> }> = {};
    for (const [type, handler] of this.#handlers) {
      manifest[type] = { events: [...handler.events.keys()], ...(handler.payloads.size > 0 ? { payloads: Object.fromEntries(handler.payloads) } : {}) };
    }
    return manifest;
  }

  /** The limits in force (defaults filled in). */
  get limits(): Readonly<EngineLimits> {
    return this.#admission.limits;
  }

  /** Open streams on this process. */
  get connectionCount(): number {
    return this.#streams.size;
  }

  /**
   * Checks that a caller may open a stream: its client id is not another session's, and its session is
   * under its stream limit (a reconnect replacing the same client's stream always may).
   */
  admit(caller: Caller): Rejection | undefined {
    if (this.#streams.heldByOther(caller)) return clientIdTaken();
    return this.#admission.stream(caller, connectionKey(caller));
  }

  /**
   * Registers a client's stream, replacing (and closing) any earlier stream of the same client, and sends it
   * the opening `[]`. The stream starts subscribed to nothing: the client mounts what it shows, each mount
   * with the revision it holds, and gets what it missed. Call {@link admit} first.
   */
  open(caller: Caller, channel: ClientChannel): Connection {
    const connection = this.#streams.open(caller, channel);
    this.#admission.reopened(connection.key);
    // An empty patch array first: the client learns the stream really carries messages (no proxy buffering
    // it) before anything else happens.
    connection.send('[]');
    return connection;
  }

  /** Unregisters a stream. A late close of a replaced stream leaves the newer one alone. */
  close(connection: Connection): void {
    this.#streams.close(connection);
  }

  /**
   * Takes one event from a client. Resolves once it has been applied (its patches and ack already handed to
   * the streams) or refused (nothing changed).
   */
  async handle(caller: Caller, event: ClientEvent): Promise<HandleResult> {
    const eventId = event.eventId ?? randomUUID();
    if (this.#streams.heldByOther(caller)) return clientIdTaken(eventId);
    const handler = this.#handlers.get(event.type);
    if (!handler) return reject(404, 'unknown_type', `Unknown type "${event.type}".`, eventId);
    // The answers go to the stream; limits, order and the handler's `clientId` are the sending tab's (`from`:
    // another tab's stream carries its events when a browser's tabs share one connection).
    const stream = connectionKey(caller);
    const client = event.from === undefined ? stream : `${stream}\u001f${event.from}`;
    const sender: Caller = event.from === undefined ? caller : { session: caller.session, clientId: event.from };
    // A handler's `clientId` is always one of the caller's session, whichever stream carried the event.
    if (sender !== caller && this.#streams.heldByOther(sender)) return clientIdTaken(eventId);
    // Per client, and per session too: client ids are the caller's to choose, so a flood could name a new
    // one for every event. A session (one browser) gets twice a tab's budget.
    const limited = this.#admission.event(client, sender, event, eventId, stream);
    if (limited) return limited;
    const instance = this.#access.resolve(caller, event.type, event.instance);
    const key = this.#keys.of(event.type, instance);
    const resolved: ClientEvent = instance === event.instance ? event : { ...event, instance };
    if (event.event === ReservedEvent.Mount) return this.#mount(stream, sender, handler, resolved, event.instance, eventId, key);
    if (event.event === ReservedEvent.Unmount) {
      // Queued like everything else for the instance, so a mount sent just before it is undone, not kept.
      return this.#queue.run(key, async () => {
        await this.#broker.sendDirect({ stream, unsubscribe: { type: event.type, instance, name: event.instance } });
        return { accepted: true, eventId, outcome: 'unmounted' } as const;
      });
    }
    const run = handler.events.get(event.event);
    if (!run) return reject(404, 'unknown_event', `Type "${event.type}" has no event "${event.event}".`, eventId);
    return this.#queue.run(key, async () => {
      // Queued before an earlier event of this client failed: it waits for that one to come again.
      if (this.#admission.heldBehindFailure(client, event)) return retryFirst(eventId, RATE_BLOCK_RECHECK_MS);
      try {
        // Without an `authorize` hook there is nothing to wait for.
        const refused = this.#access.authorizes ? await this.#access.refuse(sender, resolved, event.instance, eventId) : undefined;
        return refused ?? (await this.#applying.apply(stream, sender, run, resolved, event.instance, eventId, this.#payloadChecks.get(event.type)?.get(event.event), handler.immutableState));
      } catch (error) {
        // Not processed: nothing the client sent behind it (a socket pipelines) may be applied before it is.
        this.#admission.failed(client, event);
        throw error;
      }
    });
  }

  /**
   * Reads an instance for a page rendered for `caller`'s session as its mount would: `resolveInstance`,
   * `authorize` (`clientId` `''`: a page has none yet), and for a new one the `create` rule, the creation
   * budgets and `mount` with `params`. Nothing else runs, nothing is subscribed, no event limit is spent.
   */
  async read(caller: Caller, type: string, requested: string, params: JsonObject = {}): Promise<InstanceRead> {
    const handler = this.#handlers.get(type);
    if (!handler) return { ok: false, code: 'unknown_type', message: `Unknown type "${type}".` };
    const instance = this.#access.resolve(caller, type, requested);
    const key = this.#keys.of(type, instance);
    return this.#queue.run(key, async () => {
      const read = await this.#mounting.read(caller, handler, { event: ReservedEvent.Mount, type, instance, payload: params }, requested);
      // Shown on a page: in use, like an instance a stream shows, until the next round of expiry.
      if (read.ok) this.#activity.note(key, type, instance);
      return read;
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
    const startedAt = performance.now();
    const trace = this.observer.startEvent('server', event);
    let result: HandleResult;
    try {
      result = await this.#dispatch(event);
    } catch (error) {
      this.observer.eventDone('server', undefined, event, errorAnswer(isBackendUnavailable(error)), startedAt, trace);
      throw error;
    }
    this.observer.eventDone('server', undefined, event, result, startedAt, trace);
    return result;
  }

  async #dispatch(event: ClientEvent): Promise<HandleResult> {
    const eventId = event.eventId ?? randomUUID();
    const handler = this.#handlers.get(event.type);
    if (!handler) return reject(404, 'unknown_type', `Unknown type "${event.type}".`, eventId);
    const run = handler.events.get(event.event);
    if (!run) return reject(404, 'unknown_event', `Type "${event.type}" has no event "${event.event}".`, eventId);
    const server: Caller = { session: '', clientId: '' };
    return this.#queue.run(this.#keys.of(event.type, event.instance), () =>
      this.#applying.apply(connectionKey(server), server, run, event, event.instance, eventId, this.#payloadChecks.get(event.type)?.get(event.event), handler.immutableState),
    );
  }

  /** Closes the streams of one client id (in whatever session): it reconnects and mounts again. */
  disconnectClient(clientId: string, reason = 'server closed the stream'): number {
    return this.#streams.closeAll(reason, (connection) => connection.clientId === clientId);
  }

  /** Closes every open stream (clients reconnect and resume): for a rolling deploy, or a test's outage. */
  disconnectAll(reason = 'server closed the stream'): void {
    this.#streams.closeAll(reason);
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
      // A name the app resolves to may be made from a session id: then only its tag is logged.
      if (deleted) this.logger.info('instance deleted', { type, instance: this.#access.resolves ? this.observer.tag(instance) : instance });
      return deleted;
    });
  }

  /** One round of keeping instances in use alive and expiring idle ones (the timer's), for tests and apps. */
  sweepIdleInstances(): Promise<void> {
    return this.#activity.sweep();
  }

  /** Closes every stream, the broker and the store. */
  async shutdown(): Promise<void> {
    this.#activity.stop();
    this.disconnectAll('server shutting down');
    await this.#broker.close();
    await this.store.close();
  }

  /** A mount: counted toward the session's mounts while it waits in the instance's queue. */
  #mount(stream: string, caller: Caller, handler: RegisteredHandler, event: ClientEvent, requested: string, eventId: string, key: string): Promise<HandleResult> {
    const connection = this.#streams.get(stream);
    if (!this.#broker.distributed && !connection) return Promise.resolve(reject(409, 'no_stream', 'Open the event stream for this clientId before mounting.', eventId));
    const fresh = !connection?.subscriptions.has(key);
    if (fresh) {
      const refused = this.#admission.mount(caller, eventId);
      if (refused) return Promise.resolve(refused);
    }
    return this.#queue
      .run(key, async () => (await this.#access.refuse(caller, event, requested, eventId)) ?? this.#mounting.mount(stream, caller, handler, event, requested, eventId))
      .finally(() => fresh && this.#admission.mounted(caller.session));
  }
}
