import { randomUUID } from 'node:crypto';
import {
  PatchAction,
  ReservedEvent,
  type AckPatch,
  type BindUpdatePatch,
  type ClientEvent,
  type CursorEntry,
  type ErrorPatch,
  type JsonObject,
  type SchemaPatch,
  type SnapshotPatch,
} from '../protocol/index.js';
import type { Broker, BrokerReceiver, DirectMessage, PublishedBatch } from './broker.js';
import { Connection, type ClientChannel } from './connection.js';
import type { AnyHandler, HandlerContext } from './handler.js';
import { registerHandler, type RegisteredHandler } from './handler-registry.js';
import { KeyedQueue } from './keyed-queue.js';
import { LocalBroker } from './local-broker.js';
import { createConsoleLogger, type Logger } from './logger.js';
import { MemoryStore } from './memory-store.js';
import { NascError } from './nasc-error.js';
import { SchemaRegistry, type AppSchema } from './schema-registry.js';
import { diffState } from './state-diff.js';
import type { EventOutcome, InstanceRecord, Store } from './store.js';

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
}

/** Why a request was refused before it changed anything; transports map it to a 4xx or an `error` patch. */
export interface Rejection {
  ok: false;
  status: 400 | 403 | 404 | 409 | 413 | 429;
  code: string;
  message: string;
  eventId?: string;
}

/** The answer to {@link NascEngine.handle}: accepted (its outcome travels as patches), or refused. */
export type HandleResult = { ok: true; eventId: string } | Rejection;

const COMMIT_ATTEMPTS = 8;

function instanceKey(type: string, instance: string): string {
  return `${type}\u0000${instance}`;
}

/** A handler's result as JSON, the form it is stored, diffed and sent in. */
function toJsonState(value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('a handler must return a plain object as state');
  }
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

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
  readonly #connections = new Map<string, Connection>();
  readonly #subscribers = new Map<string, Set<Connection>>();

  constructor(options: EngineOptions) {
    for (const [type, handler] of Object.entries(options.handlers)) {
      this.#handlers.set(type, registerHandler(type, handler));
    }
    this.schemas = new SchemaRegistry(options.schemas);
    this.store = options.store ?? new MemoryStore();
    this.logger = options.logger ?? createConsoleLogger();
    this.#broker = options.broker ?? new LocalBroker();
    this.#broker.attach(this);
  }

  /** `{ [type]: { events: [...] } }`: every type and the events it accepts. */
  manifest(): Record<string, { events: string[] }> {
    const manifest: Record<string, { events: string[] }> = {};
    for (const [type, handler] of this.#handlers) manifest[type] = { events: [...handler.events.keys()] };
    return manifest;
  }

  /** Open streams on this process. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Registers a client's stream, replacing (and closing) any earlier stream of the same client id. With a
   * cursor, the stream is subscribed to those instances again and gets what it missed.
   */
  open(clientId: string, channel: ClientChannel, cursor: readonly CursorEntry[] = []): Connection {
    const previous = this.#connections.get(clientId);
    if (previous) {
      this.#detach(previous);
      previous.channel.close('replaced by a newer stream of the same client');
    }
    const connection = new Connection(clientId, channel);
    this.#connections.set(clientId, connection);
    // The stream's cursor starts where the client says it is, so even the first frame's `id:` keeps its
    // resume point; the replays below bring it forward.
    for (const entry of cursor) {
      if (this.#handlers.has(entry.type)) connection.advance(instanceKey(entry.type, entry.instance), entry.type, entry.instance, entry.rev);
    }
    // An empty patch array first: the client learns the stream really carries messages (no proxy buffering
    // it) before anything else happens.
    channel.send('[]', connection);
    for (const entry of cursor) {
      if (!this.#handlers.has(entry.type)) continue;
      const key = instanceKey(entry.type, entry.instance);
      void this.#queue
        .run(key, () => this.#resume(connection, entry))
        .catch((error: unknown) => this.#logFailure('resume failed', error, { type: entry.type, instance: entry.instance }));
    }
    return connection;
  }

  /** Unregisters a stream. A late close of a replaced stream leaves the newer one alone. */
  close(connection: Connection): void {
    if (this.#connections.get(connection.clientId) === connection) this.#connections.delete(connection.clientId);
    this.#detach(connection);
  }

  /**
   * Takes one event from a client. Resolves once it has been applied (its patches and ack already handed to
   * the streams) or refused (nothing changed).
   */
  async handle(clientId: string, event: ClientEvent): Promise<HandleResult> {
    const eventId = event.eventId ?? randomUUID();
    const handler = this.#handlers.get(event.type);
    if (!handler) return reject(404, 'unknown_type', `Unknown type "${event.type}".`, eventId);
    const key = instanceKey(event.type, event.instance);
    if (event.event === ReservedEvent.Mount) {
      if (!this.#broker.distributed && !this.#connections.has(clientId)) {
        return reject(409, 'no_stream', 'Open the event stream for this clientId before mounting.', eventId);
      }
      return this.#queue.run(key, () => this.#mount(clientId, handler, event, eventId));
    }
    if (event.event === ReservedEvent.Unmount) {
      // Queued like everything else for the instance, so a mount sent just before it is undone, not kept.
      return this.#queue.run(key, async () => {
        await this.#broker.sendDirect({ clientId, unsubscribe: { type: event.type, instance: event.instance } });
        return { ok: true, eventId } as const;
      });
    }
    const run = handler.events.get(event.event);
    if (!run) return reject(404, 'unknown_event', `Type "${event.type}" has no event "${event.event}".`, eventId);
    return this.#queue.run(key, () => this.#apply(clientId, run, event, eventId));
  }

  /**
   * Closes every open stream (clients reconnect and resume from their cursors): for a rolling deploy, or a
   * test that needs the network to fail.
   */
  disconnectAll(reason = 'server closed the stream'): void {
    for (const connection of [...this.#connections.values()]) {
      connection.channel.close(reason);
      this.close(connection);
    }
  }

  /** Closes every stream and the store. */
  async shutdown(): Promise<void> {
    this.disconnectAll('server shutting down');
    await this.#broker.close();
    await this.store.close();
  }

  // BrokerReceiver: what reaches this process.

  deliverBatch(published: PublishedBatch): void {
    const key = instanceKey(published.type, published.instance);
    const subscribers = this.#subscribers.get(key);
    const origin = published.origin;
    let originServed = false;
    if (subscribers) {
      for (const connection of subscribers) {
        connection.advance(key, published.type, published.instance, published.rev);
        if (origin && connection.clientId === origin.clientId) {
          originServed = true;
          connection.channel.send(`${published.batch.slice(0, -1)},${origin.ack}]`, connection);
        } else {
          connection.channel.send(published.batch, connection);
        }
      }
    }
    if (origin && !originServed) {
      const connection = this.#connections.get(origin.clientId);
      connection?.channel.send(`[${origin.ack}]`, connection);
    }
  }

  deliverDirect(direct: DirectMessage): void {
    const connection = this.#connections.get(direct.clientId);
    if (!connection) return;
    if (direct.unsubscribe) {
      const key = instanceKey(direct.unsubscribe.type, direct.unsubscribe.instance);
      this.#unsubscribe(key, connection);
      connection.forget(key);
    }
    const position = direct.position;
    if (position) {
      const key = instanceKey(position.type, position.instance);
      if (position.subscribe) this.#subscribe(key, connection);
      connection.advance(key, position.type, position.instance, position.rev);
    }
    if (direct.message !== undefined) connection.channel.send(direct.message, connection);
  }

  // Internals.

  async #mount(clientId: string, handler: RegisteredHandler, event: ClientEvent, eventId: string): Promise<HandleResult> {
    const { type, instance } = event;
    let record = await this.store.load(type, instance);
    if (!record) {
      let state: JsonObject;
      try {
        state = toJsonState(await handler.mount({ ...event.payload, instance }));
      } catch (error) {
        const failure = this.#failure(error, { type, instance, event: ReservedEvent.Mount, eventId });
        await this.#sendError(clientId, { ...failure, eventId, type, instance });
        return { ok: true, eventId };
      }
      record = (await this.store.commit(type, instance, { state, rev: 1, expectedRev: 0 }))
        ? { state, rev: 1 }
        : await this.store.load(type, instance);
      if (!record) throw new Error(`instance ${type}/${instance} vanished while mounting`);
    }
    const schemas = event.rev === undefined ? this.#schemaPatches(type, instance) : [];
    await this.#sendPosition(clientId, type, instance, record, event.rev ?? 0, schemas);
    // The mount's own ack follows its answer, so the client knows the answer is complete (even when it was
    // empty: nothing missed). Only for a client that named the mount, to keep answers reproducible.
    if (event.eventId !== undefined) {
      const ack: AckPatch = { action: PatchAction.Ack, eventId, type, instance, rev: record.rev };
      await this.#broker.sendDirect({ clientId, message: JSON.stringify([ack]) });
    }
    return { ok: true, eventId };
  }

  async #resume(connection: Connection, entry: CursorEntry): Promise<void> {
    if (this.#connections.get(connection.clientId) !== connection) return;
    const record = await this.store.load(entry.type, entry.instance);
    if (!record) return;
    await this.#sendPosition(connection.clientId, entry.type, entry.instance, record, entry.rev, []);
  }

  /** Subscribes a client to an instance and brings it from revision `known` to `record`: replay or snapshot. */
  async #sendPosition(
    clientId: string,
    type: string,
    instance: string,
    record: InstanceRecord,
    known: number,
    schemas: SchemaPatch[],
  ): Promise<void> {
    const subscribeAt = (rev: number) => ({ type, instance, rev, subscribe: true });
    if (known > 0 && known <= record.rev) {
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
    if (known > record.rev) marker.reset = true;
    const snapshot: (SchemaPatch | SnapshotPatch | BindUpdatePatch)[] = [...schemas, marker];
    for (const [prop, value] of Object.entries(record.state)) {
      snapshot.push({ action: PatchAction.BindUpdate, type, instance, prop, value, rev: record.rev, snapshot: true });
    }
    await this.#broker.sendDirect({ clientId, position: subscribeAt(record.rev), message: JSON.stringify(snapshot) });
  }

  async #apply(
    clientId: string,
    run: (...args: unknown[]) => unknown,
    event: ClientEvent,
    eventId: string,
  ): Promise<HandleResult> {
    const { type, instance } = event;
    const outcomeKey = outcomeKeyOf(type, instance, eventId);
    const earlier = await this.store.recallOutcome(outcomeKey);
    if (earlier) {
      await this.#sendOutcome(clientId, eventId, earlier);
      return { ok: true, eventId };
    }
    const context: HandlerContext = { type, instance, event: event.event, eventId, clientId };
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      const record = await this.store.load(type, instance);
      if (!record) return reject(409, 'not_mounted', `Instance "${instance}" of type "${type}" is not mounted.`, eventId);
      const started = performance.now();
      let next: JsonObject;
      try {
        next = toJsonState(await run(event.payload, structuredClone(record.state), context));
      } catch (error) {
        const failure = this.#failure(error, { type, instance, event: event.event, eventId, ms: Math.round(performance.now() - started) });
        const outcome: EventOutcome = { ok: false, type, instance, ...failure };
        await this.store.saveOutcome(outcomeKey, outcome);
        await this.#sendOutcome(clientId, eventId, outcome);
        return { ok: true, eventId };
      }
      const changes = diffState(record.state, next);
      if (changes.length === 0) {
        const outcome: EventOutcome = { ok: true, type, instance, rev: record.rev };
        await this.store.saveOutcome(outcomeKey, outcome);
        await this.#sendOutcome(clientId, eventId, outcome);
        return { ok: true, eventId };
      }
      const rev = record.rev + 1;
      const patches: BindUpdatePatch[] = changes.map(({ prop, value }) => ({
        action: PatchAction.BindUpdate,
        type,
        instance,
        prop,
        value,
        rev,
      }));
      const batch = JSON.stringify(patches);
      const outcome: EventOutcome = { ok: true, type, instance, rev };
      const committed = await this.store.commit(type, instance, {
        state: next,
        rev,
        expectedRev: record.rev,
        batch,
        outcome: { eventId: outcomeKey, outcome },
      });
      // Another process moved the instance on: run the handler again on the newer state.
      if (!committed) continue;
      const ack: AckPatch = { action: PatchAction.Ack, eventId, type, instance, rev };
      await this.#broker.publish({ type, instance, rev, batch, origin: { clientId, ack: JSON.stringify(ack) } });
      return { ok: true, eventId };
    }
    throw new Error(`gave up on ${type}/${instance} after ${COMMIT_ATTEMPTS} conflicting writes`);
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
      const ack: AckPatch = { action: PatchAction.Ack, eventId, type: outcome.type, instance: outcome.instance, rev: outcome.rev };
      await this.#broker.sendDirect({ clientId, message: JSON.stringify([ack]) });
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

  #subscribe(key: string, connection: Connection): void {
    if (this.#connections.get(connection.clientId) !== connection) return;
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
    for (const key of connection.positions.keys()) this.#unsubscribe(key, connection);
  }
}

/** Event ids are the client's: an outcome is remembered per instance, so a reused id elsewhere is a new event. */
function outcomeKeyOf(type: string, instance: string, eventId: string): string {
  return `${type}\u001f${instance}\u001f${eventId}`;
}

function reject(status: Rejection['status'], code: string, message: string, eventId?: string): Rejection {
  return eventId === undefined ? { ok: false, status, code, message } : { ok: false, status, code, message, eventId };
}
