import { randomUUID } from 'node:crypto';
import type { Observer } from '../observe/observer.js';
import type { JsonObject } from '../../protocol/index.js';
import { encodeBatch, encodeCreated } from './redis-bus-message.js';
import type { RedisLink } from './redis-link.js';
import { COMMIT, DELETE, READ_LOG, runScript, TOUCH } from './redis-scripts.js';
import { scopedEventKey, type CommitRequest, type EventOutcome, type InstanceRecord, type InstanceRef, type LogEntry, type Store } from '../store/store.js';

/**
 * How long a process keeps its turn on an instance after losing a race: long enough to reload, run the
 * handler and commit; short enough that a process dying with the turn stalls others only briefly.
 */
const TURN_TTL_MS = 250;
/** Instances renewed per script call: enough to keep round trips few, small enough not to block Redis. */
const TOUCH_BATCH = 256;

/** Sizes and lifetimes of the Redis store. */
export interface RedisStoreOptions {
  /** Log entries kept per instance, for clients resuming on any process (default 256). */
  logSize?: number;
  /**
   * How long an event's outcome is kept for dedupe (default 1 hour), whatever other senders do: a client
   * that sends an event again later than this (say, a tab reopened with its outbox much later) has it
   * applied again. Redis must not evict keys (`maxmemory-policy noeviction`), or it may drop outcomes sooner.
   */
  outcomeTtlMs?: number;
}

/**
 * A {@link Store} in Redis, shared by every process of the app. Per instance: a hash (`rev`, `state` JSON)
 * and a capped list (the replay log); per event: its outcome, with a TTL. Every commit is one Lua script
 * (compare-and-set on the revision, state, log append and trim, outcome, and the batch's publication on the
 * app's channel when a Redis broker shares the connection), so two processes handling events for one
 * instance at once never both win: the loser re-runs the handler on the newer state, and takes the
 * instance's turn so that its next attempt wins (see the commit script).
 *
 * Idle instances expire in Redis itself: the commit gives an instance's keys the idle lifetime the engine
 * asks for (PEXPIRE), and touches renew it. An instance's outcomes are separate keys that expire on their own
 * TTL, also when the instance is deleted.
 *
 * Create it with `redisBackend()`, which shares one connection between it and the broker.
 */
export class RedisStore implements Store {
  readonly #link: RedisLink;
  readonly #logSize: number;
  readonly #outcomeTtlMs: number;
  #closed = false;
  /** Names this process's turns (see the commit script). */
  readonly #token = randomUUID();

  constructor(link: RedisLink, options: RedisStoreOptions = {}) {
    this.#link = link;
    this.#logSize = Math.max(0, Math.floor(options.logSize ?? 256));
    this.#outcomeTtlMs = Math.max(1_000, Math.floor(options.outcomeTtlMs ?? 3_600_000));
    link.retain();
  }

  async load(type: string, instance: string): Promise<InstanceRecord | undefined> {
    const [rev, state] = await this.#link.run('load', () => this.#link.client.hmget(this.#stateKey(type, instance), 'rev', 'state'));
    if (rev === null || rev === undefined || state === null || state === undefined) return undefined;
    return { rev: Number(rev), state: JSON.parse(state) as JsonObject };
  }

  async commit(type: string, instance: string, request: CommitRequest): Promise<boolean> {
    const stateKey = this.#stateKey(type, instance);
    const turnKey = this.#turnKey(type, instance);
    const outcome = request.outcome;
    const batch = request.batch;
    // A creation is announced in the same step, so no process sends a subscriber of the new instance a batch of
    // an earlier one it still remembers (see CatchUp) before it hears of it.
    let busMessage = '';
    if (this.#link.bus) {
      if (batch !== undefined) busMessage = encodeBatch({ type, instance, rev: request.rev, batch });
      else if (request.expectedRev === 0) busMessage = encodeCreated({ type, instance });
    }
    const result = await this.#link.run('commit', () =>
      runScript(
        this.#link.client,
        COMMIT,
        [stateKey, this.#logKey(type, instance), outcome ? this.#outcomeKey(type, instance, outcome.eventId) : stateKey, turnKey],
        [
          request.expectedRev,
          request.rev,
          JSON.stringify(request.state),
          batch === undefined ? '' : `${request.rev}:${batch}`,
          this.#logSize,
          outcome ? JSON.stringify(outcome.outcome) : '',
          this.#outcomeTtlMs,
          this.#link.channel,
          busMessage,
          this.#token,
          TURN_TTL_MS,
          request.idleTtlMs === undefined ? '' : Math.max(1, Math.ceil(request.idleTtlMs)),
        ],
      ),
    );
    if (result === 2) {
      // Another process lost a race on this instance and has the next turn: let it commit, then report the
      // conflict, so the engine reloads and runs the handler on the state that includes that commit.
      await this.#awaitTurn(turnKey);
      return false;
    }
    if (result === -1) {
      // Another process applied this very event while this one was running it: refusing is the only way not
      // to count it twice. The engine reports a failure; the client's retry is answered with the first outcome.
      throw new Error(`event ${outcome?.eventId ?? ''} was applied by another process meanwhile`);
    }
    if (result !== 1) return false;
    if (batch !== undefined && busMessage !== '') this.#link.notePublished(type, instance, request.rev);
    return true;
  }

  /** Waits (bounded by the turn's TTL) until the process holding the instance's turn has used or lost it. */
  async #awaitTurn(turnKey: string): Promise<void> {
    const deadline = performance.now() + TURN_TTL_MS;
    for (let pause = 1; performance.now() < deadline; pause = Math.min(pause * 2, 16)) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      if ((await this.#link.run('commit', () => this.#link.client.exists(turnKey))) === 0) return;
    }
  }

  async readLog(type: string, instance: string, afterRev: number): Promise<LogEntry[] | undefined> {
    const reply = await this.#link.run('readLog', () =>
      runScript(this.#link.client, READ_LOG, [this.#stateKey(type, instance), this.#logKey(type, instance)], [afterRev]),
    );
    if (!Array.isArray(reply)) return undefined;
    const entries: LogEntry[] = [];
    for (const [index, raw] of reply.entries()) {
      const text = String(raw);
      const colon = text.indexOf(':');
      const rev = Number(text.slice(0, colon));
      // Entries are appended one revision at a time; anything else means the log cannot replay this span.
      if (colon < 1 || rev !== afterRev + 1 + index) return undefined;
      entries.push({ rev, batch: text.slice(colon + 1) });
    }
    return entries;
  }

  async recallOutcome(type: string, instance: string, eventId: string): Promise<EventOutcome | undefined> {
    const text = await this.#link.run('recallOutcome', () => this.#link.client.get(this.#outcomeKey(type, instance, eventId)));
    return text === null ? undefined : (JSON.parse(text) as EventOutcome);
  }

  /** Kept for `outcomeTtlMs` whoever sent it: Redis keeps each outcome under its own key and TTL. */
  async saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome, _sender: string): Promise<void> {
    // NX: when two processes raced on one event, the first outcome stays the answer to every retry.
    await this.#link.run('saveOutcome', () =>
      this.#link.client.set(this.#outcomeKey(type, instance, eventId), JSON.stringify(outcome), 'PX', this.#outcomeTtlMs, 'NX'),
    );
  }

  async delete(type: string, instance: string): Promise<boolean> {
    const keys = [this.#stateKey(type, instance), this.#logKey(type, instance), this.#turnKey(type, instance)];
    return (await this.#link.run('delete', () => runScript(this.#link.client, DELETE, keys, []))) === 1;
  }

  async touch(instances: readonly InstanceRef[]): Promise<void> {
    for (let start = 0; start < instances.length; start += TOUCH_BATCH) {
      const keys = instances.slice(start, start + TOUCH_BATCH).flatMap(({ type, instance }) => [this.#stateKey(type, instance), this.#logKey(type, instance)]);
      await this.#link.run('touch', () => runScript(this.#link.client, TOUCH, keys, []));
    }
  }

  /** Nothing to do here: Redis expires idle instances and old outcomes itself. */
  async expire(): Promise<InstanceRef[]> {
    return [];
  }

  observe(observer: Observer): void {
    this.#link.observer = observer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#link.release();
  }

  // Ids never contain control characters, so NUL cannot be forged into a colliding key.
  #stateKey(type: string, instance: string): string {
    return `${this.#link.prefix}state:${type}\u0000${instance}`;
  }

  #logKey(type: string, instance: string): string {
    return `${this.#link.prefix}log:${type}\u0000${instance}`;
  }

  #turnKey(type: string, instance: string): string {
    return `${this.#link.prefix}turn:${type}\u0000${instance}`;
  }

  #outcomeKey(type: string, instance: string, eventId: string): string {
    return `${this.#link.prefix}outcome:${scopedEventKey(type, instance, eventId)}`;
  }
}
