import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore, type EventOutcome, type SqliteStoreOptions } from '../../server/index.js';

function tempDbPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'nasc-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'store.db');
}

function open(t: TestContext, path: string, options: Omit<SqliteStoreOptions, 'path'> = {}): SqliteStore {
  const store = new SqliteStore({ path, ...options });
  t.after(() => store.close());
  return store;
}

function batch(rev: number): string {
  return JSON.stringify([{ action: 'bindUpdate', type: 'Doc', instance: 'd', prop: 'n', value: rev, rev }]);
}

/** Mounts `Doc/d` at rev 1, then commits revisions 2..`upTo` with a log entry each. */
async function commitRevisions(store: SqliteStore, upTo: number): Promise<void> {
  assert.equal(await store.commit('Doc', 'd', { state: { n: 1 }, rev: 1, expectedRev: 0 }), true);
  for (let rev = 2; rev <= upTo; rev++) {
    assert.equal(await store.commit('Doc', 'd', { state: { n: rev }, rev, expectedRev: rev - 1, batch: batch(rev) }), true);
  }
}

describe('SqliteStore', () => {
  test('a new instance loads as undefined, a committed one as its state and revision', async (t) => {
    const store = open(t, tempDbPath(t));
    assert.equal(await store.load('Doc', 'd'), undefined);
    await commitRevisions(store, 3);
    assert.deepEqual(await store.load('Doc', 'd'), { state: { n: 3 }, rev: 3 });
    assert.equal(await store.load('Doc', 'other'), undefined, 'instances are keyed by type and instance');
    assert.equal(await store.load('Other', 'd'), undefined);
  });

  test('survives a reopen: state, log and outcomes are still there', async (t) => {
    const path = tempDbPath(t);
    const first = new SqliteStore({ path });
    await commitRevisions(first, 4);
    const outcome: EventOutcome = { ok: true, type: 'Doc', instance: 'd', rev: 4 };
    await first.saveOutcome('Doc', 'd', 'evt-1', outcome, 'session-a');
    await first.close();
    await first.close(); // idempotent

    const second = open(t, path);
    assert.deepEqual(await second.load('Doc', 'd'), { state: { n: 4 }, rev: 4 });
    assert.deepEqual(await second.readLog('Doc', 'd', 2), [
      { rev: 3, batch: batch(3) },
      { rev: 4, batch: batch(4) },
    ]);
    assert.deepEqual(await second.recallOutcome('Doc', 'd', 'evt-1'), outcome);
    assert.equal(await second.commit('Doc', 'd', { state: { n: 5 }, rev: 5, expectedRev: 4, batch: batch(5) }), true);
    assert.deepEqual(await second.load('Doc', 'd'), { state: { n: 5 }, rev: 5 });
  });

  test('compare-and-set refuses a stale revision and writes nothing', async (t) => {
    const store = open(t, tempDbPath(t));
    await commitRevisions(store, 2);
    const stale = await store.commit('Doc', 'd', {
      state: { n: 'stale' },
      rev: 2,
      expectedRev: 1,
      batch: batch(99),
      outcome: { eventId: 'stale-event', outcome: { ok: true, type: 'Doc', instance: 'd', rev: 2 }, sender: 'session-a' },
    });
    assert.equal(stale, false);
    assert.deepEqual(await store.load('Doc', 'd'), { state: { n: 2 }, rev: 2 });
    assert.deepEqual(await store.readLog('Doc', 'd', 1), [{ rev: 2, batch: batch(2) }], 'the refused batch is not in the log');
    assert.equal(await store.recallOutcome('Doc', 'd', 'stale-event'), undefined, 'the refused outcome is not recorded');
    assert.equal(await store.commit('Doc', 'd', { state: { n: 0 }, rev: 1, expectedRev: 0 }), false, 'a second mount is refused');
    assert.equal(await store.commit('Doc', 'nope', { state: {}, rev: 2, expectedRev: 1 }), false, 'an update of a missing instance is refused');
  });

  test('two stores on one file see each other and still compare-and-set', async (t) => {
    const path = tempDbPath(t);
    const a = open(t, path);
    const b = open(t, path);
    await commitRevisions(a, 2);
    assert.deepEqual(await b.load('Doc', 'd'), { state: { n: 2 }, rev: 2 });
    assert.equal(await b.commit('Doc', 'd', { state: { n: 'b' }, rev: 3, expectedRev: 2, batch: batch(3) }), true);
    assert.equal(await a.commit('Doc', 'd', { state: { n: 'a' }, rev: 3, expectedRev: 2, batch: batch(3) }), false);
    assert.deepEqual(await a.load('Doc', 'd'), { state: { n: 'b' }, rev: 3 });
  });

  test('commit with an outcome records it in the same write', async (t) => {
    const store = open(t, tempDbPath(t));
    await commitRevisions(store, 1);
    const outcome: EventOutcome = { ok: true, type: 'Doc', instance: 'd', rev: 2 };
    assert.equal(await store.commit('Doc', 'd', { state: { n: 2 }, rev: 2, expectedRev: 1, batch: batch(2), outcome: { eventId: 'e2', outcome, sender: 'session-a' } }), true);
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e2'), outcome);
    assert.equal(await store.recallOutcome('Doc', 'other', 'e2'), undefined, 'an event id is scoped by its instance');
    assert.equal(await store.recallOutcome('Other', 'd', 'e2'), undefined, 'and by its type');
  });

  test('the log is bounded and readLog says undefined once it no longer reaches back', async (t) => {
    const store = open(t, tempDbPath(t), { logSize: 3 });
    await commitRevisions(store, 10);
    assert.deepEqual(
      (await store.readLog('Doc', 'd', 7))?.map((entry) => entry.rev),
      [8, 9, 10],
      'the last logSize entries replay',
    );
    assert.deepEqual(await store.readLog('Doc', 'd', 9), [{ rev: 10, batch: batch(10) }]);
    assert.deepEqual(await store.readLog('Doc', 'd', 10), [], 'nothing missed at the current revision');
    assert.deepEqual(await store.readLog('Doc', 'd', 12), [], 'a position ahead of the store has nothing to replay');
    assert.equal(await store.readLog('Doc', 'd', 6), undefined, 'rev 7 was trimmed');
    assert.equal(await store.readLog('Doc', 'd', 0), undefined, 'a mount has no log entry');
    assert.equal(await store.readLog('Doc', 'missing', 0), undefined, 'no instance, no log');
  });

  test('a fresh instance replays from rev 1 on', async (t) => {
    const store = open(t, tempDbPath(t));
    await commitRevisions(store, 3);
    assert.deepEqual(
      (await store.readLog('Doc', 'd', 1))?.map((entry) => entry.rev),
      [2, 3],
    );
  });

  test("outcomes round-trip, errors included, and a sender's oldest are pruned past its window, not another sender's", async (t) => {
    const store = open(t, tempDbPath(t), { outcomesPerSender: 3 });
    await commitRevisions(store, 1);
    const failure: EventOutcome = { ok: false, type: 'Doc', instance: 'd', message: 'Enter a valid email.', code: 'rejected', field: 'email' };
    await store.saveOutcome('Doc', 'd', 'e1', failure, 'busy');
    await store.saveOutcome('Doc', 'd', 'quiet-1', failure, 'quiet');
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e1'), failure);
    assert.equal(await store.recallOutcome('Doc', 'd', 'never'), undefined);
    // The window is trimmed back to 3 once it holds a quarter more: after 5 saves, the 2 oldest are gone.
    for (let i = 2; i <= 5; i++) await store.saveOutcome('Doc', 'd', `e${i}`, { ok: true, type: 'Doc', instance: 'd', rev: i }, 'busy');
    assert.equal(await store.recallOutcome('Doc', 'd', 'e1'), undefined, 'the oldest was pruned');
    assert.equal(await store.recallOutcome('Doc', 'd', 'e2'), undefined);
    for (let i = 3; i <= 5; i++) assert.deepEqual(await store.recallOutcome('Doc', 'd', `e${i}`), { ok: true, type: 'Doc', instance: 'd', rev: i });
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'quiet-1'), failure, "another sender's saves never push an outcome out");
  });

  test('a file made before instance lifetimes and per-sender outcomes gets the new columns and keeps its outcomes', async (t) => {
    const path = tempDbPath(t);
    const old = new Database(path);
    old.exec(`
      CREATE TABLE nasc_instances (type TEXT NOT NULL, instance TEXT NOT NULL, rev INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (type, instance)) WITHOUT ROWID;
      CREATE TABLE nasc_log (type TEXT NOT NULL, instance TEXT NOT NULL, rev INTEGER NOT NULL, batch TEXT NOT NULL, PRIMARY KEY (type, instance, rev)) WITHOUT ROWID;
      CREATE TABLE nasc_outcomes (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, outcome TEXT NOT NULL);
      INSERT INTO nasc_instances VALUES ('Doc', 'd', 2, '{"n":2}');
      INSERT INTO nasc_outcomes (event_id, outcome) VALUES ('Doc' || char(31) || 'd' || char(31) || 'old-event', '{"ok":true,"type":"Doc","instance":"d","rev":2}');
    `);
    old.close();
    const store = open(t, path);
    assert.deepEqual(await store.load('Doc', 'd'), { state: { n: 2 }, rev: 2 });
    assert.deepEqual(await store.expire(), [], 'an instance without a lifetime never expires');
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'old-event'), { ok: true, type: 'Doc', instance: 'd', rev: 2 }, 'kept past the upgrade');
    assert.equal(await store.commit('Doc', 'd', { state: { n: 3 }, rev: 3, expectedRev: 2, batch: batch(3), idleTtlMs: 60_000 }), true);
    assert.equal(await store.delete('Doc', 'd'), true);
    assert.equal(await store.recallOutcome('Doc', 'd', 'old-event'), undefined, 'deleted with its instance');
  });

  test('uses WAL and an in-memory database by default', async (t) => {
    const path = tempDbPath(t);
    const store = open(t, path);
    await commitRevisions(store, 1);
    assert.equal(store.path, path);
    assert.ok(existsSync(`${path}-wal`), 'writes go through a write-ahead log');
    const memory = new SqliteStore();
    t.after(() => memory.close());
    assert.equal(memory.path, ':memory:');
    await memory.commit('Doc', 'd', { state: { n: 1 }, rev: 1, expectedRev: 0 });
    assert.deepEqual(await memory.load('Doc', 'd'), { state: { n: 1 }, rev: 1 });
  });
});
