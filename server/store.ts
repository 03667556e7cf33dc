import type { Awaitable } from './awaitable.js';
import type { JsonObject } from '../protocol/index.js';

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

/** How an event ended, kept per instance by `eventId` so a retry is answered with the first result. */
export type EventOutcome =
  | { ok: true; type: string; instance: string; rev: number }
  | { ok: false; type: string; instance: string; message: string; code: string; field?: string; details?: JsonObject };

/** What {@link Store.commit} writes, all or nothing. */
export interface CommitRequest {
  state: JsonObject;
  rev: number;
  /** The revision the change was computed from; 0 when the instance is new. */
  expectedRev: number;
  /** The patch array that moves a client from `expectedRev` to `rev`; absent for a mount. */
  batch?: string;
  /** The event that made the change (its client's id, scoped by this instance), remembered in the same write. */
  outcome?: { eventId: string; outcome: EventOutcome };
}

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
   * The outcome recorded for an event sent to this instance. Event ids are the clients' own, so they are
   * scoped by instance: the same id sent to another instance is another event.
   */
  recallOutcome(type: string, instance: string, eventId: string): Awaitable<EventOutcome | undefined>;
  /** Records an outcome that changed no state (an error, or an event that changed nothing). */
  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome): Awaitable<void>;
  /** Releases files and connections. */
  close(): Promise<void>;
}
