import type { Observer } from '../observe/observer.js';
import type { Awaitable } from '../util/awaitable.js';
import type { JsonObject } from '../../protocol/index.js';

/** An instance as stored: its state and its revision (1 after mount, +1 per change). */
export interface InstanceRecord {
  state: JsonObject;
  rev: number;
}

/** One entry of an instance's replay log: the patch array (as sent) that moved it to `rev`. */
export interface LogEntry {
  rev: number;
  batch: string;
}

/** An instance by name: its type and its (resolved) id. */
export interface InstanceRef {
  type: string;
  instance: string;
}

/** How an event ended, kept per instance by `eventId` so a retry is answered with the first result. */
export type EventOutcome =
  | { ok: true; type: string; instance: string; rev: number }
  | { ok: false; type: string; instance: string; message: string; code: string; field?: string; details?: JsonObject };

/** An outcome to remember, and who sent the event (its session; `''` for the server's own events). */
export interface SentOutcome {
  eventId: string;
  outcome: EventOutcome;
  sender: string;
}

/** What {@link Store.commit} writes, all or nothing. */
export interface CommitRequest {
  state: JsonObject;
  rev: number;
  /** The revision the change was computed from; 0 when the instance is new. */
  expectedRev: number;
  /** The patch array that moves a client from `expectedRev` to `rev`; absent for a mount. */
  batch?: string;
  /** The event that made the change (its client's id, scoped by this instance), remembered in the same write. */
  outcome?: SentOutcome;
  /**
   * How long the instance may stay idle after this write (no {@link Store.touch}, no commit) before
   * {@link Store.expire} may delete it; absent: it stays until deleted. Touches refresh the idle clock with the
   * lifetime the last commit set.
   */
  idleTtlMs?: number;
}

/**
 * How long the stores that bound outcomes themselves keep them, by default. Per sender, the newest
 * `outcomesPerSender`: a session may send 100 events a second (twice a tab's rate), and a live page sends
 * an unanswered event again 20 to 30 s after it sent it (its ack timeout, checked every 10 s), so this covers
 * 40 s at the highest rate. A sender idle for
 * `outcomeTtlMs` loses them (the Redis store keeps each outcome that long). `maxOutcomes` over all senders
 * is the last resort that keeps memory bounded.
 */
export const OUTCOME_DEFAULTS = { outcomesPerSender: 4_096, outcomeTtlMs: 3_600_000, maxOutcomes: 1_000_000 } as const;

/**
 * One key for an event's outcome in a flat keyspace (a table, Redis): event ids are the clients' own, so the
 * instance is part of the key. Ids never contain control characters, so the separator cannot be forged.
 */
export function scopedEventKey(type: string, instance: string, eventId: string): string {
  return `${type}\u001f${instance}\u001f${eventId}`;
}

/**
 * Where instances live: state + revision + a bounded replay log + event outcomes. The engine reads and writes
 * only through this interface, so a store shared by several processes can replace the in-process one. A
 * store that has its answer at once may return it as it is rather than as a promise (an {@link Awaitable}):
 * the memory and SQLite stores do.
 *
 * Outcomes are kept per sender: another sender's events never push a sender's outcomes out. Each store keeps
 * an outcome at least while it is among its sender's last `outcomesPerSender` and was saved less than
 * `outcomeTtlMs` ago (the stores' options), unless a last-resort bound on all outcomes drops the senders idle
 * longest (and logs it).
 */
export interface Store {
  /** The instance, or `undefined` when it was never mounted. The engine never mutates what it gets. */
  load(type: string, instance: string): Awaitable<InstanceRecord | undefined>;
  /**
   * Saves a new state if the stored revision still equals `expectedRev` (compare-and-set) and appends
   * `batch` to the log. Resolves `false`, writing nothing, when another writer got there first.
   */
  commit(type: string, instance: string, request: CommitRequest): Awaitable<boolean>;
  /** The log entries after `afterRev`, oldest first, or `undefined` when the log no longer reaches back that far. */
  readLog(type: string, instance: string, afterRev: number): Awaitable<LogEntry[] | undefined>;
  /**
   * The outcome recorded for an event sent to this instance, whoever sent it. Event ids are the clients' own,
   * so they are scoped by instance: the same id sent to another instance is another event.
   */
  recallOutcome(type: string, instance: string, eventId: string): Awaitable<EventOutcome | undefined>;
  /**
   * Records an outcome that changed no state (an error, or an event that changed nothing), in `sender`'s
   * window. The engine saves outcomes only for instances it just loaded.
   */
  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Awaitable<void>;
  /** Deletes an instance: its state, its log and (where the store can find them) its outcomes. True when it existed. */
  delete(type: string, instance: string): Awaitable<boolean>;
  /** Marks instances as in use now: their idle clock starts again (see {@link CommitRequest.idleTtlMs}). */
  touch(instances: readonly InstanceRef[]): Awaitable<void>;
  /**
   * Deletes the instances idle past their lifetime and drops outcomes past their retention; returns the
   * instances it deleted (a store whose backend expires keys itself returns none).
   */
  expire(): Awaitable<InstanceRef[]>;
  /** Releases files and connections. */
  close(): Promise<void>;
  /** Optional: the engine hands its observer over, for a store that can report its backend's failures (Redis). */
  observe?(observer: Observer): void;
}
