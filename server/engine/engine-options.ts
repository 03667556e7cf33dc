import type { Broker } from '../broker/broker.js';
import type { Store } from '../store/store.js';
import type { FieldsFirstLogger, Logger } from '../util/logger.js';
import type { AnyHandler } from './handler.js';
import type { PayloadValidator } from './payload-validation.js';
import type { AppSchema } from './schema-registry.js';

/** Options of the engine (and of `createNasc`). */
export interface EngineOptions {
  /** One handler per type, keyed by type name. */
  handlers: Record<string, AnyHandler>;
  /** A JSON Schema whose `$defs` hold one schema per type. */
  schemas?: AppSchema;
  /** Where instances live (default: a new `MemoryStore`). */
  store?: Store;
  /** How patches reach streams held by other processes (default: in-process). */
  broker?: Broker;
  /**
   * Where Nasc logs (default: JSON lines on stderr at `warn`, `NASC_LOG_LEVEL` to change). A pino logger is
   * taken as it is; any other is called `info(message, fields)`.
   */
  logger?: Logger | FieldsFirstLogger;
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
  /**
   * Compiles the payload schemas events declare with `withPayload` into the checks run before their handlers.
   * Needed as soon as one event declares a schema.
   */
  payloadValidator?: PayloadValidator;
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

export const DEFAULT_LIMITS: EngineLimits = {
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

/** What {@link EngineOptions.authorize} (and a type's `create` rule) decides on. */
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

/**
 * What the app allows for the instances of one type: who may create them, and how long they are kept once
 * nobody uses them.
 *
 * @example
 * instances: {
 *   User: { create: ({ session, instance }) => instance === `user-${session}` },
 *   Room: { create: false },                     // made by the server (engine.dispatch needs it to exist)…
 *   Draft: { idleTtlMs: 24 * 3_600_000 },         // deleted after a day nobody showed or changed it
 * }
 */
export interface InstancePolicy {
  /**
   * May this mount create the instance it names, which does not exist yet? Asked with the same request as
   * `authorize`, only when the instance does not exist. `false` answers 403 `create_forbidden`: nothing is
   * stored and the handler's `mount` does not run. Default `true`.
   */
  create?: boolean | ((request: AccessRequest) => boolean | Promise<boolean>);
  /**
   * An instance no stream shows and no event touched for this long is deleted (ms). Default: never, except
   * instances never changed since their mount (see `unchangedTtlMs`).
   */
  idleTtlMs?: number;
  /**
   * The same for instances still at revision 1, whose state is only what `mount` made: default 10 minutes.
   * `Infinity` keeps them (for a type whose `mount` cannot make the same state again).
   */
  unchangedTtlMs?: number;
}
