import type { ClientEvent, JsonObject } from '../../protocol/index.js';
import type { Broker } from '../broker/broker.js';
import type { Observer } from '../observe/observer.js';
import type { EventOutcome, Store } from '../store/store.js';
import { isPromiseLike } from '../util/awaitable.js';
import type { Answers, FailureReport } from './answers.js';
import type { Caller } from './engine-options.js';
import type { HandlerContext } from './handler.js';
import type { InstanceActivity } from './instance-activity.js';
import type { InstanceKeys } from './instance-keys.js';
import type { InstancePolicies } from './instance-policy.js';
import type { PayloadCheck } from './payload-validation.js';
import { copyState, freezeState, toJsonState } from './json-state.js';
import { NascError } from './nasc-error.js';
import { ackJson, bindUpdateBatchJson } from './patch-json.js';
import { reject, type HandleResult } from './rejection.js';
import { diffState } from './state-diff.js';

/** How many times an event runs again after another process committed to its instance first. */
const COMMIT_ATTEMPTS = 8;

/** What applying reads, writes and tells. */
export interface ApplyingParts {
  store: Store;
  broker: Broker;
  keys: InstanceKeys;
  policies: InstancePolicies;
  activity: InstanceActivity;
  answers: Answers;
  /** Told of each phase (handler, commit, publish), for tracing. */
  observer: Observer;
  /** Freeze the state `immutableState` handlers get (default: unless `NODE_ENV` is `production`). */
  freezeImmutableState?: boolean;
}

/** An event function of a handler, as registered. */
export type EventRunner = (...args: unknown[]) => unknown;

/**
 * Applying one event, run in the instance's queue: answered from its remembered outcome if it came before
 * (at most once), else run on a copy of the state, diffed, and committed with its batch and outcome in one
 * write (compare-and-set on the revision: another process's commit first means running it again on the newer
 * state), then published to every subscriber, the sender's ack riding on its own copy of the batch.
 */
export class Applying {
  readonly #parts: ApplyingParts;
  /** Whether an `immutableState` handler gets its state frozen: a check for development, skipped in production. */
  readonly #freezeImmutable: boolean;

  constructor(parts: ApplyingParts) {
    this.#parts = parts;
    this.#freezeImmutable = parts.freezeImmutableState ?? process.env.NODE_ENV !== 'production';
  }

  /**
   * `event` names the resolved instance; `requested` is the client's own name for it. `check` is the event's
   * payload check, when it declares a schema. With `immutableState` the handler is given the stored state
   * instead of a copy (`HandlerOptions.immutableState`); outside production it is frozen first, and so is the
   * state the handler returns before it is stored (the next event's is frozen already).
   */
  async apply(
    stream: string,
    caller: Caller,
    run: EventRunner,
    event: ClientEvent,
    requested: string,
    eventId: string,
    check?: PayloadCheck,
    immutableState = false,
  ): Promise<HandleResult> {
    const { store, broker, policies, answers, observer } = this.#parts;
    const { type, instance } = event;
    // Each store answer is awaited only when it is a promise: the memory and SQLite stores answer at once,
    // and every await skipped on this path is a microtask and a few allocations less per event.
    const recalled = store.recallOutcome(type, instance, eventId);
    const earlier = isPromiseLike(recalled) ? await recalled : recalled;
    if (earlier) {
      await answers.outcome(stream, eventId, earlier);
      return earlier.ok
        ? { accepted: true, eventId, outcome: 'duplicate', rev: earlier.rev }
        : { accepted: true, eventId, outcome: 'duplicate', code: earlier.code, failure: failureOf(earlier) };
    }
    const context: HandlerContext = { type, instance, event: event.event, eventId, clientId: caller.clientId, session: caller.session };
    // Once per event, not per commit attempt: the payload does not change when another process wins a race.
    const invalid = check?.(event.payload);
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      const loaded = store.load(type, instance);
      const record = isPromiseLike(loaded) ? await loaded : loaded;
      if (!record) return reject(409, 'not_mounted', `Instance "${requested}" of type "${type}" is not mounted.`, eventId);
      const handling = observer.phase('handler', eventId);
      const started = performance.now();
      let next: JsonObject;
      let handlerMs: number;
      try {
        // Refused as a handler's NascError is (after the instance is known to exist), and the handler never runs.
        if (invalid) throw invalid;
        const freeze = immutableState && this.#freezeImmutable;
        const given = immutableState ? (freeze ? freezeState(record.state) : record.state) : copyState(record.state);
        const result = run(event.payload, given, context);
        next = toJsonState(isPromiseLike(result) ? await result : result, record.state, freeze);
        handlerMs = performance.now() - started;
        handling?.end();
      } catch (thrown) {
        handlerMs = performance.now() - started;
        handling?.end(thrown);
        const error = immutableState && this.#freezeImmutable ? explainFrozen(thrown) : thrown;
        const failure = answers.failure(error, { type, instance: requested, event: event.event, eventId, session: caller.session, ms: Math.round(handlerMs) });
        const outcome: EventOutcome = { ok: false, type, instance, ...failure };
        await this.#saveUnchanged(type, instance, eventId, outcome, caller.session);
        await answers.outcome(stream, eventId, outcome);
        return { accepted: true, eventId, outcome: error instanceof NascError ? 'rejected' : 'failed', code: failure.code, handlerMs, failure };
      }
      const changes = diffState(record.state, next);
      if (changes.length === 0) {
        const outcome: EventOutcome = { ok: true, type, instance, rev: record.rev };
        await this.#saveUnchanged(type, instance, eventId, outcome, caller.session);
        await answers.outcome(stream, eventId, outcome);
        return { accepted: true, eventId, outcome: 'unchanged', rev: record.rev, handlerMs };
      }
      const rev = record.rev + 1;
      const batch = bindUpdateBatchJson(type, instance, rev, changes);
      const outcome: EventOutcome = { ok: true, type, instance, rev };
      const committingSpan = observer.phase('commit', eventId);
      const committing = store.commit(type, instance, {
        state: next,
        rev,
        expectedRev: record.rev,
        batch,
        // The session is the sender: a tab's client id can change under it (its outbox then goes again under
        // the new id), its session does not.
        outcome: { eventId, outcome, sender: caller.session },
        idleTtlMs: policies.idleTtl(type, rev),
      });
      const committed = isPromiseLike(committing) ? await committing : committing;
      committingSpan?.end();
      // Another process moved the instance on: run the handler again on the newer state. After a second loss,
      // wait a little (jittered, growing) so that processes racing on one instance stop colliding in lockstep.
      if (!committed) {
        if (attempt >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
        continue;
      }
      const publishingSpan = observer.phase('publish', eventId);
      const publishing = broker.publish({ type, instance, rev, batch, origin: { stream, ack: ackJson(eventId, type, instance, rev), eventId } });
      if (isPromiseLike(publishing)) await publishing;
      publishingSpan?.end();
      return { accepted: true, eventId, outcome: 'applied', rev, handlerMs };
    }
    throw new Error(`gave up on ${type}/${instance} after ${COMMIT_ATTEMPTS} conflicting writes`);
  }

  /** Remembers the outcome of an event that changed nothing; the instance counts as in use at the next round. */
  async #saveUnchanged(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Promise<void> {
    const { store, keys, activity } = this.#parts;
    const saving = store.saveOutcome(type, instance, eventId, outcome, sender);
    if (isPromiseLike(saving)) await saving;
    activity.note(keys.of(type, instance), type, instance);
  }
}

/**
 * The `TypeError` strict mode throws when a handler declared with `immutableState` changes its (frozen)
 * state, with what to do about it (the server's log shows it; the client is told the event failed).
 */
function explainFrozen(error: unknown): unknown {
  if (!(error instanceof TypeError) || !/read[- ]only|not extensible|Cannot (assign|add|delete|define)/i.test(error.message)) return error;
  const explained = new TypeError(`${error.message}: this handler is declared with immutableState, so it must return new objects for what changes instead of changing state`);
  if (error.stack) explained.stack = `${explained.name}: ${explained.message}\n${error.stack.slice(error.stack.indexOf('\n') + 1)}`;
  return explained;
}

/** What the client of a remembered refusal was told. */
function failureOf(outcome: Extract<EventOutcome, { ok: false }>): FailureReport {
  const { message, code, field, details } = outcome;
  return { message, code, ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) };
}
