import Database from 'better-sqlite3';
import type { JsonObject } from '../protocol/index.js';
import type { Awaitable } from './awaitable.js';
import { scopedEventKey, type CommitRequest, type EventOutcome, type InstanceRecord, type LogEntry, type Store } from './store.js';

/** Where and how big the SQLite store is. */
export interface SqliteStoreOptions {
  /** The database file, created when missing (default `:memory:`, which keeps nothing across restarts). */
  path?: string;
  /** Log entries kept per instance, for clients resuming after a disconnect (default 256). */
  logSize?: number;
  /** Event outcomes kept for dedupe, oldest dropped first (default 100,000). */
  outcomeLimit?: number;
  /** How long a write waits for another process holding the database lock, in ms (default 5,000). */
  busyTimeoutMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nasc_instances (
  type TEXT NOT NULL,
  instance TEXT NOT NULL,
  rev INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (type, instance)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nasc_log (
  type TEXT NOT NULL,
  instance TEXT NOT NULL,
  rev INTEGER NOT NULL,
  batch TEXT NOT NULL,
  PRIMARY KEY (type, instance, rev)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nasc_outcomes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  outcome TEXT NOT NULL
);
`;

interface InstanceRow {
  rev: number;
  state: string;
}

/**
 * A {@link Store} in one SQLite file (WAL mode, through better-sqlite3): state, revision, a bounded replay
 * log and event outcomes survive a restart. Every commit is one synchronous transaction (compare-and-set on
 * the revision, state, log append and trim, outcome), so several processes may share the file.
 *
 * @example
 * createNasc({ handlers, store: new SqliteStore({ path: './nasc.db' }) });
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #logSize: number;
  readonly #outcomeLimit: number;
  readonly #commit: (type: string, instance: string, request: CommitRequest) => boolean;
  readonly #readLog: (type: string, instance: string, afterRev: number) => LogEntry[] | undefined;
  readonly #remember: (eventId: string, outcome: EventOutcome) => void;
  readonly #selectInstance: Database.Statement<[string, string], InstanceRow>;
  readonly #selectOutcome: Database.Statement<[string], string>;

  constructor(options: SqliteStoreOptions = {}) {
    this.#logSize = Math.max(0, Math.floor(options.logSize ?? 256));
    this.#outcomeLimit = Math.max(1, Math.floor(options.outcomeLimit ?? 100_000));
    const db = new Database(options.path ?? ':memory:');
    this.#db = db;
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a crash of the process; only a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
    db.exec(SCHEMA);

    this.#selectInstance = db.prepare<[string, string], InstanceRow>('SELECT rev, state FROM nasc_instances WHERE type = ? AND instance = ?');
    this.#selectOutcome = db.prepare<[string], string>('SELECT outcome FROM nasc_outcomes WHERE event_id = ?').pluck();
    const insertInstance = db.prepare<[string, string, number, string]>(
      'INSERT INTO nasc_instances (type, instance, rev, state) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const updateInstance = db.prepare<[number, string, string, string, number]>(
      'UPDATE nasc_instances SET rev = ?, state = ? WHERE type = ? AND instance = ? AND rev = ?',
    );
    const appendLog = db.prepare<[string, string, number, string]>(
      'INSERT OR REPLACE INTO nasc_log (type, instance, rev, batch) VALUES (?, ?, ?, ?)',
    );
    const trimLog = db.prepare<[string, string, number]>('DELETE FROM nasc_log WHERE type = ? AND instance = ? AND rev <= ?');
    const selectRev = db.prepare<[string, string], number>('SELECT rev FROM nasc_instances WHERE type = ? AND instance = ?').pluck();
    const selectFirstLogRev = db
      .prepare<[string, string, number], number>('SELECT MIN(rev) FROM nasc_log WHERE type = ? AND instance = ? AND rev > ?')
      .pluck();
    const selectLog = db.prepare<[string, string, number, number], LogEntry>(
      'SELECT rev, batch FROM nasc_log WHERE type = ? AND instance = ? AND rev > ? AND rev <= ? ORDER BY rev',
    );
    const upsertOutcome = db.prepare<[string, string]>('INSERT OR REPLACE INTO nasc_outcomes (event_id, outcome) VALUES (?, ?)');
    const pruneOutcomes = db.prepare<[number]>('DELETE FROM nasc_outcomes WHERE seq <= ?');

    const remember = (eventId: string, outcome: EventOutcome): void => {
      const { lastInsertRowid } = upsertOutcome.run(eventId, JSON.stringify(outcome));
      // Sequence numbers only grow, so everything this far behind the newest is past the limit.
      const cutoff = Number(lastInsertRowid) - this.#outcomeLimit;
      if (cutoff > 0) pruneOutcomes.run(cutoff);
    };
    this.#remember = db.transaction(remember);

    // IMMEDIATE: take the write lock before reading, so two processes cannot both pass the revision check.
    const commit = db.transaction((type: string, instance: string, request: CommitRequest): boolean => {
      const state = JSON.stringify(request.state);
      const written =
        request.expectedRev === 0
          ? insertInstance.run(type, instance, request.rev, state)
          : updateInstance.run(request.rev, state, type, instance, request.expectedRev);
      if (written.changes !== 1) return false;
      if (request.batch !== undefined && this.#logSize > 0) {
        appendLog.run(type, instance, request.rev, request.batch);
      }
      trimLog.run(type, instance, request.rev - this.#logSize);
      if (request.outcome) remember(scopedEventKey(type, instance, request.outcome.eventId), request.outcome.outcome);
      return true;
    });
    this.#commit = (type, instance, request) => commit.immediate(type, instance, request);

    // One read transaction: the revision and the log come from the same snapshot.
    this.#readLog = db.transaction((type: string, instance: string, afterRev: number): LogEntry[] | undefined => {
      const rev = selectRev.get(type, instance);
      if (rev === undefined) return undefined;
      if (afterRev >= rev) return [];
      const first = selectFirstLogRev.get(type, instance, afterRev);
      if (first === null || first === undefined || first !== afterRev + 1) return undefined;
      const entries = selectLog.all(type, instance, afterRev, rev);
      // A hole (another writer trimming meanwhile) means the log cannot replay this far.
      for (let i = 0; i < entries.length; i++) if (entries[i]!.rev !== afterRev + 1 + i) return undefined;
      return entries.length === rev - afterRev ? entries : undefined;
    });
  }

  /** The database file (or `:memory:`). */
  get path(): string {
    return this.#db.name;
  }

  load(type: string, instance: string): Awaitable<InstanceRecord | undefined> {
    const row = this.#selectInstance.get(type, instance);
    return row ? { rev: row.rev, state: JSON.parse(row.state) as JsonObject } : undefined;
  }

  commit(type: string, instance: string, request: CommitRequest): Awaitable<boolean> {
    return this.#commit(type, instance, request);
  }

  readLog(type: string, instance: string, afterRev: number): Awaitable<LogEntry[] | undefined> {
    return this.#readLog(type, instance, afterRev);
  }

  recallOutcome(type: string, instance: string, eventId: string): Awaitable<EventOutcome | undefined> {
    const text = this.#selectOutcome.get(scopedEventKey(type, instance, eventId));
    return text === undefined ? undefined : (JSON.parse(text) as EventOutcome);
  }

  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome): Awaitable<void> {
    this.#remember(scopedEventKey(type, instance, eventId), outcome);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
