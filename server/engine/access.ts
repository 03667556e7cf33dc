import { ReservedEvent, type ClientEvent } from '../../protocol/index.js';
import type { Observer } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import type { AccessRequest, Caller, EngineOptions } from './engine-options.js';
import type { InstancePolicies } from './instance-policy.js';
import { reject, type Rejection } from './rejection.js';

/**
 * A surrogate not in a pair (with the `u` flag a pair is one code point): no id on the wire may hold one,
 * and a resolved instance is written where ids are (store keys, logs).
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * The app's say over instances: which one a client's name means for its session (`resolveInstance`), whether
 * the session may mount it or send it an event (`authorize`), and whether a mount may create it (the type's
 * `create` rule). Each hook is asked in the instance's queue, so it sees events in order.
 */
export class Access {
  readonly #authorize: EngineOptions['authorize'];
  readonly #resolveInstance: EngineOptions['resolveInstance'];
  readonly #policies: InstancePolicies;
  readonly #logger: Logger;
  readonly #tag: Observer['tag'];

  /** `tag`: what stands for a session (or a resolved instance name, which may be made from one) in a log line. */
  constructor(options: Pick<EngineOptions, 'authorize' | 'resolveInstance'>, policies: InstancePolicies, logger: Logger, tag: Observer['tag']) {
    this.#authorize = options.authorize;
    this.#resolveInstance = options.resolveInstance;
    this.#policies = policies;
    this.#logger = logger;
    this.#tag = tag;
  }

  /** Whether the app resolves instance names (so a stored name may be made from a session id). */
  get resolves(): boolean {
    return this.#resolveInstance !== undefined;
  }

  /** Whether there is an `authorize` hook to wait for (most apps' events skip the await without one). */
  get authorizes(): boolean {
    return this.#authorize !== undefined;
  }

  /** The instance the caller's name means (itself, without `resolveInstance`). Throws for an unusable answer. */
  resolve(caller: Caller, type: string, instance: string): string {
    if (!this.#resolveInstance) return instance;
    const resolved = this.#resolveInstance({ session: caller.session, type, instance });
    if (typeof resolved !== 'string' || resolved === '' || LONE_SURROGATE.test(resolved)) {
      throw new TypeError(`resolveInstance returned no usable instance for ${type}/${instance}`);
    }
    return resolved;
  }

  /** Asks the app's `authorize` hook about `event` (resolved); a refusal is the answer, nothing else happens. */
  async refuse(caller: Caller, event: ClientEvent, requested: string, eventId: string): Promise<Rejection | undefined> {
    if (!this.#authorize) return undefined;
    const allowed = await this.#authorize(accessRequest(caller, event, requested, event.event));
    if (allowed) return undefined;
    this.#logger.warn('forbidden', { session: this.#tag(caller.session), type: event.type, instance: requested, event: event.event });
    return reject(403, 'forbidden', 'You are not allowed to do that.', eventId);
  }

  /** Asks the type's `create` rule whether this mount may create the instance it names. */
  async refuseCreation(caller: Caller, event: ClientEvent, requested: string, eventId: string): Promise<Rejection | undefined> {
    const create = this.#policies.creator(event.type);
    if (create === undefined) return undefined;
    if (typeof create === 'function' ? await create(accessRequest(caller, event, requested, ReservedEvent.Mount)) : create) return undefined;
    this.#logger.info('create forbidden', { session: this.#tag(caller.session), type: event.type, instance: requested });
    return reject(403, 'create_forbidden', `There is no instance "${requested}" of type "${event.type}", and you may not create it.`, eventId);
  }
}

function accessRequest(caller: Caller, event: ClientEvent, requested: string, name: string): AccessRequest {
  return { session: caller.session, clientId: caller.clientId, type: event.type, instance: event.instance, requested, event: name };
}
