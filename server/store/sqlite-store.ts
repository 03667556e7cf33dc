import Database from 'better-sqlite3';
import type { JsonObject } from '../../protocol/index.js';
import type { Awaitable } from '../util/awaitable.js';
import { DroppedOutcomesLog } from './dropped-outcomes-log.js';
import { createConsoleLogger, type Logger } from '../util/logger.js';
import {
  OUTCOME_DEFAULTS,
  scopedEventKey,
  type CommitRequest,
  type EventOutcome,
  type InstanceRecord,
  type InstanceRef,
  type LogEntry,
  type Store,
} from './store.js';

/** Where and how big the SQLite store is. */
export interface SqliteStoreOptions {
  /** The database file, created when missing (default `:memory:`, which keeps nothing across restarts). */
  path?: string;
  /** Log entries kept per instance, for clients resuming after a disconnect (default 256). */
  logSize?: number;
  /** Event outcomes kept per sender (session), its newest (default 4,096). */
  outcomesPerSender?: number;
  /** A sender that saved no outcome for this long loses its outcomes (default 1 hour). */
  outcomeTtlMs?: number;
  /** Event outcomes kept in all; past it the senders idle longest lose theirs, logged (default 1,000,000). */
  maxOutcomes?: number;
  /** How long a write waits for another process holding the database lock, in ms (default 5,000). */
  busyTimeoutMs?: number;
  /** Where dropped outcome windows are reported (default: the console logger). */
  logger?: Logger;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nasc_instances (
  type TEXT NOT NULL,
  instance TEXT NOT NULL,
  rev INTEGER NOT NULL,
  state TEXT NOT NULL,
  idle_ttl_ms INTEGER,
  expires_at INTEGER,
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
  outcome TEXT NOT NULL,
  sender TEXT NOT NULL DEFAULT '',
  saved_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS nasc_senders (
  sender TEXT NOT NULL PRIMARY KEY,
  kept INTEGER NOT NULL,
  active_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Columns added to tables that files made before them lack. */
const ADDED_COLUMNS: readonly [table: string, column: string, definition: string][] = [
  ['nasc_instances', 'idle_ttl_ms', 'INTEGER'],
  ['nasc_instances', 'expires_at', 'INTEGER'],
  ['nasc_outcomes', 'sender', "TEXT NOT NULL DEFAULT ''"],
  ['nasc_outcomes', 'saved_at', 'INTEGER NOT NULL DEFAULT 0'],
];

const INDEXES = `
CREATE INDEX IF NOT EXISTS nasc_instances_expiry ON nasc_instances (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS nasc_outcomes_sender ON nasc_outcomes (sender, seq);
CREATE INDEX IF NOT EXISTS nasc_senders_activity ON nasc_senders (active_at);
`;

/** Rows one `expire()` deletes of each kind at most: the rest waits for the next call, so no call holds the lock long. */
const EXPIRE_BATCH = 1_000;

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
  readonly #commit: (type: string, instance: string, request: CommitRequest) => boolean;
  readonly #readLog: (type: string, instance: string, afterRev: number) => LogEntry[] | undefined;
  readonly #remember: (eventKey: string, outcome: EventOutcome, sender: string) => void;
  readonly #delete: (type: string, instance: string) => boolean;
  readonly #touch: (instances: readonly InstanceRef[]) => void;
  readonly #expire: () => InstanceRef[];
  readonly #selectInstance: Database.Statement<[string, string], InstanceRow>;
  readonly #selectOutcome: Database.Statement<[string], string>;

  constructor(options: SqliteStoreOptions = {}) {
    this.#logSize = Math.max(0, Math.floor(options.logSize ?? 256));
    const maxOutcomes = Math.max(1, Math.floor(options.maxOutcomes ?? OUTCOME_DEFAULTS.maxOutcomes));
    const perSender = Math.max(1, Math.min(maxOutcomes, Math.floor(options.outcomesPerSender ?? OUTCOME_DEFAULTS.outcomesPerSender)));
    const outcomeTtlMs = Math.max(0, options.outcomeTtlMs ?? OUTCOME_DEFAULTS.outcomeTtlMs);
    // A sender's window is trimmed back to perSender once it holds a quarter more: one trim per many saves.
    const trimAt = perSender + Math.max(1, Math.floor(perSender / 4));
    const dropped = new DroppedOutcomesLog(options.logger ?? createConsoleLogger(), maxOutcomes);
    const db = new Database(options.path ?? ':memory:');
    this.#db = db;
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a crash of the process; only a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
    // IMMEDIATE: two processes opening an older file at once must not both add the same column.
    db.transaction(() => {
      db.exec(SCHEMA);
      migrate(db);
      db.exec(INDEXES);
    }).immediate();

    this.#selectInstance = db.prepare<[string, string], InstanceRow>('SELECT rev, state FROM nasc_instances WHERE type = ? AND instance = ?');
    this.#selectOutcome = db.prepare<[string], string>('SELECT outcome FROM nasc_outcomes WHERE event_id = ?').pluck();
    const insertInstance = db.prepare<[string, string, number, string, number | null, number | null]>(
      'INSERT INTO nasc_instances (type, instance, rev, state, idle_ttl_ms, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const updateInstance = db.prepare<[number, string, number | null, number | null, string, string, number]>(
      'UPDATE nasc_instances SET rev = ?, state = ?, idle_ttl_ms = ?, expires_at = ? WHERE type = ? AND instance = ? AND rev = ?',
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
    const upsertOutcome = db.prepare<[string, string, string, number]>(
      'INSERT OR REPLACE INTO nasc_outcomes (event_id, outcome, sender, saved_at) VALUES (?, ?, ?, ?)',
    );
    const countSender = db.prepare<[string, number], number>(
      'INSERT INTO nasc_senders (sender, kept, active_at) VALUES (?, 1, ?) ON CONFLICT (sender) DO UPDATE SET kept = kept + 1, active_at = excluded.active_at RETURNING kept',
    ).pluck();
    const keptBySender = db.prepare<[string], number>('SELECT COUNT(*) FROM nasc_outcomes WHERE sender = ?').pluck();
    const dropOldestOfSender = db.prepare<[string, number]>(
      'DELETE FROM nasc_outcomes WHERE seq IN (SELECT seq FROM nasc_outcomes WHERE sender = ? ORDER BY seq LIMIT ?)',
    );
    const setKept = db.prepare<[number, string]>('UPDATE nasc_senders SET kept = ? WHERE sender = ?');
    const deleteInstanceRow = db.prepare<[string, string]>('DELETE FROM nasc_instances WHERE type = ? AND instance = ?');
    const deleteLog = db.prepare<[string, string]>('DELETE FROM nasc_log WHERE type = ? AND instance = ?');
    const deleteOutcomeRange = db.prepare<[string, string]>('DELETE FROM nasc_outcomes WHERE event_id >= ? AND event_id < ?');
    const touchInstance = db.prepare<[number, string, string]>(
      'UPDATE nasc_instances SET expires_at = ? + idle_ttl_ms WHERE type = ? AND instance = ? AND idle_ttl_ms IS NOT NULL',
    );
    const selectExpired = db.prepare<[number, number], InstanceRef>(
      'SELECT type, instance FROM nasc_instances WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?',
    );
    const selectIdleSenders = db.prepare<[number, number], string>('SELECT sender FROM nasc_senders WHERE active_at <= ? LIMIT ?').pluck();
    const selectOldestSenders = db.prepare<[number], string>('SELECT sender FROM nasc_senders ORDER BY active_at LIMIT ?').pluck();
    const deleteSenderOutcomes = db.prepare<[string]>('DELETE FROM nasc_outcomes WHERE sender = ?');
    const deleteSender = db.prepare<[string]>('DELETE FROM nasc_senders WHERE sender = ?');
    const countOutcomes = db.prepare<[], number>('SELECT COUNT(*) FROM nasc_outcomes').pluck();

    const remember = (eventKey: string, outcome: EventOutcome, sender: string): void => {
      upsertOutcome.run(eventKey, JSON.stringify(outcome), sender, Date.now());
      if (countSender.get(sender, Date.now())! <= trimAt) return;
      // Counted exactly now and then: a replaced outcome or a deleted instance leaves the running count high.
      const kept = keptBySender.get(sender)!;
      if (kept > perSender) dropOldestOfSender.run(sender, kept - perSender);
      setKept.run(Math.min(kept, perSender), sender);
    };
    this.#remember = db.transaction(remember);

    // IMMEDIATE: take the write lock before reading, so two processes cannot both pass the revision check.
    const commit = db.transaction((type: string, instance: string, request: CommitRequest): boolean => {
      const state = JSON.stringify(request.state);
      const ttl = request.idleTtlMs ?? null;
      const expiresAt = ttl === null ? null : Date.now() + ttl;
      const written =
        request.expectedRev === 0
          ? insertInstance.run(type, instance, request.rev, state, ttl, expiresAt)
          : updateInstance.run(request.rev, state, ttl, expiresAt, type, instance, request.expectedRev);
      if (written.changes !== 1) return false;
      if (request.batch !== undefined && this.#logSize > 0) {
        appendLog.run(type, instance, request.rev, request.batch);
      }
      trimLog.run(type, instance, request.rev - this.#logSize);
      const sent = request.outcome;
      if (sent) remember(scopedEventKey(type, instance, sent.eventId), sent.outcome, sent.sender);
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

    const deleteInstance = (type: string, instance: string): boolean => {
      const existed = deleteInstanceRow.run(type, instance).changes > 0;
      deleteLog.run(type, instance);
      // Every key of this instance's outcomes starts with the same prefix; ids hold no control characters, so
      // the prefix with its last separator raised by one bounds them above.
      const prefix = scopedEventKey(type, instance, '');
      deleteOutcomeRange.run(prefix, `${prefix.slice(0, -1)}\u0020`);
      return existed;
    };
    const deleteSenderWindow = (sender: string): number => {
      const changes = deleteSenderOutcomes.run(sender).changes;
      deleteSender.run(sender);
      return changes;
    };
    this.#delete = db.transaction(deleteInstance);
    this.#touch = db.transaction((instances: readonly InstanceRef[]) => {
      const now = Date.now();
      for (const { type, instance } of instances) touchInstance.run(now, type, instance);
    });
    this.#expire = db.transaction((): InstanceRef[] => {
      const now = Date.now();
      const expired = selectExpired.all(now, EXPIRE_BATCH);
      for (const { type, instance } of expired) deleteInstance(type, instance);
      for (const sender of selectIdleSenders.all(now - outcomeTtlMs, EXPIRE_BATCH)) deleteSenderWindow(sender);
      let total = countOutcomes.get()!;
      if (total > maxOutcomes) {
        const target = maxOutcomes - Math.ceil(maxOutcomes / 16);
        let senders = 0;
        let outcomes = 0;
        for (const sender of selectOldestSenders.all(EXPIRE_BATCH)) {
          if (total <= target) break;
          const removed = deleteSenderWindow(sender);
          total -= removed;
          outcomes += removed;
          senders += 1;
        }
        if (senders > 0) dropped.note(senders, outcomes);
      }
      return expired;
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

  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Awaitable<void> {
    this.#remember(scopedEventKey(type, instance, eventId), outcome, sender);
  }

  delete(type: string, instance: string): Awaitable<boolean> {
    return this.#delete(type, instance);
  }

  touch(instances: readonly InstanceRef[]): Awaitable<void> {
    if (instances.length > 0) this.#touch(instances);
  }

  expire(): Awaitable<InstanceRef[]> {
    return this.#expire();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/** Adds the columns an older file lacks; its outcomes so far count as one sender's, active from now on. */
function migrate(db: Database.Database): void {
  for (const [table, column, definition] of ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all();
    if (columns.some((existing) => existing.name === column)) continue;
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    if (column === 'saved_at') {
      const now = Date.now();
      db.prepare<[number]>('UPDATE nasc_outcomes SET saved_at = ?').run(now);
      db.prepare<[number]>("INSERT OR IGNORE INTO nasc_senders (sender, kept, active_at) SELECT '', COUNT(*), ? FROM nasc_outcomes").run(now);
    }
  }
}
