/**
 * How long stores keep event outcomes: per sender (the session), so another sender's events never push a
 * sender's outcomes out; a sender's own newer outcomes do, past `outcomesPerSender`; a sender idle for
 * `outcomeTtlMs` loses them; past `maxOutcomes` in all, the senders idle longest lose theirs, and it is
 * logged. The same rules for the memory and the SQLite store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, SqliteStore, type EventOutcome, type Store } from '../../server/index.js';
import { SenderWindows } from '../../server/store/sender-windows.js';
import { createMemoryLogger, type MemoryLogger } from '../support/memory-logger.js';
import { waitFor } from '../support/wait-for.js';

const outcome = (rev: number): EventOutcome => ({ ok: true, type: 'Doc', instance: 'd', rev });

describe('SenderWindows', () => {
  test("a sender's newest perSender outcomes are kept; only its own saves push one out", () => {
    const maps = { a: new Map<string, number>(), b: new Map<string, number>() };
    const windows = new SenderWindows({ perSender: 3, ttlMs: 60_000, max: 1_000 }, () => assert.fail('nothing to shed'));
    const save = (sender: 'a' | 'b', id: string, now: number): void => {
      maps[sender].set(id, now);
      windows.add(sender, maps[sender], id, now);
    };
    save('a', 'a1', 1);
    for (let i = 0; i < 100; i++) save('b', `b${i}`, 2 + i);
    assert.deepEqual([...maps.a.keys()], ['a1'], "b's saves never touch a's window");
    assert.deepEqual([...maps.b.keys()], ['b97', 'b98', 'b99']);
    assert.equal(windows.size, 4);
  });

  test('a sender idle for ttlMs loses its window; past max the senders idle longest lose theirs, told once per shed', () => {
    const map = new Map<string, number>();
    const drops: [number, number][] = [];
    const windows = new SenderWindows({ perSender: 10, ttlMs: 1_000, max: 32 }, (senders, outcomes) => drops.push([senders, outcomes]));
    const save = (sender: string, id: string, now: number): void => {
      map.set(id, now);
      windows.add(sender, map, id, now);
    };
    save('idle', 'idle-1', 0);
    save('active', 'active-1', 500);
    windows.expireIdle(1_000);
    assert.equal(map.has('idle-1'), false, 'idle since 0, gone at 1000');
    assert.equal(map.has('active-1'), true);
    // 8 senders of 4 outcomes each: 33 in all goes past 32, and the two idle longest (active, s0) are shed.
    for (let sender = 0; sender < 8; sender++) for (let i = 0; i < 4; i++) save(`s${sender}`, `s${sender}-${i}`, 600 + sender);
    assert.deepEqual(drops, [[2, 5]]);
    assert.equal(map.has('active-1') || map.has('s0-0'), false);
    assert.ok(map.has('s7-3') && map.has('s1-0'));
    assert.equal(windows.size, 28);
    assert.equal(windows.senders, 7);
  });
});

const stores: [string, (options: { logger: MemoryLogger; outcomesPerSender?: number; outcomeTtlMs?: number; maxOutcomes?: number }) => Store][] = [
  ['MemoryStore', (options) => new MemoryStore(options)],
  ['SqliteStore', (options) => new SqliteStore(options)],
];

for (const [name, makeStore] of stores) {
  describe(`${name} outcomes`, () => {
    async function mounted(store: Store, ...instances: string[]): Promise<void> {
      for (const instance of instances) assert.equal(await store.commit('Doc', instance, { state: {}, rev: 1, expectedRev: 0 }), true);
    }

    test('are scoped by type and instance, whoever sent them', async (t) => {
      const store = makeStore({ logger: createMemoryLogger() });
      t.after(() => store.close());
      await mounted(store, 'd', 'other');
      await store.saveOutcome('Doc', 'd', 'e1', outcome(1), 'session-a');
      assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e1'), outcome(1));
      assert.equal(await store.recallOutcome('Doc', 'other', 'e1'), undefined);
      assert.equal(await store.recallOutcome('Other', 'd', 'e1'), undefined);
    });

    test('a commit remembers its outcome in the same write, and a refused commit does not', async (t) => {
      const store = makeStore({ logger: createMemoryLogger() });
      t.after(() => store.close());
      await mounted(store, 'd');
      const sent = (eventId: string) => ({ eventId, outcome: outcome(2), sender: 'session-a' });
      assert.equal(await store.commit('Doc', 'd', { state: { n: 2 }, rev: 2, expectedRev: 1, batch: '[]', outcome: sent('e2') }), true);
      assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e2'), outcome(2));
      assert.equal(await store.commit('Doc', 'd', { state: { n: 9 }, rev: 2, expectedRev: 1, batch: '[]', outcome: sent('stale') }), false);
      assert.equal(await store.recallOutcome('Doc', 'd', 'stale'), undefined);
    });

    test("other senders' outcomes, many more than a window, never push a sender's out; its own window bounds it", async (t) => {
      const store = makeStore({ logger: createMemoryLogger(), outcomesPerSender: 16 });
      t.after(() => store.close());
      await mounted(store, 'd', 'e');
      await store.saveOutcome('Doc', 'd', 'victim-1', outcome(1), 'victim');
      for (let i = 0; i < 4_000; i++) await store.saveOutcome('Doc', i % 2 ? 'd' : 'e', `flood-${i}`, outcome(1), `flooder-${i % 50}`);
      assert.deepEqual(await store.recallOutcome('Doc', 'd', 'victim-1'), outcome(1), "the victim's outcome outlives 4,000 of others'");
      // Its own saves do push it out: 16 kept (the SQLite store trims once a window holds a quarter more).
      for (let i = 0; i < 40; i++) await store.saveOutcome('Doc', 'd', `victim-own-${i}`, outcome(1), 'victim');
      assert.equal(await store.recallOutcome('Doc', 'd', 'victim-1'), undefined, 'pushed out by its own newer outcomes');
      assert.ok(await store.recallOutcome('Doc', 'd', 'victim-own-39'));
      let kept = 0;
      for (let i = 0; i < 40; i++) if (await store.recallOutcome('Doc', 'd', `victim-own-${i}`)) kept += 1;
      assert.ok(kept >= 16 && kept <= 20, `the victim keeps its window of 16 (up to 20 between trims), kept ${kept}`);
    });

    test('a sender idle for outcomeTtlMs loses its outcomes', async (t) => {
      const store = makeStore({ logger: createMemoryLogger(), outcomeTtlMs: 100 });
      t.after(() => store.close());
      await mounted(store, 'd');
      await store.saveOutcome('Doc', 'd', 'old', outcome(1), 'leaving');
      assert.ok(await store.recallOutcome('Doc', 'd', 'old'));
      await waitFor(() => {
        void store.expire();
        return store.recallOutcome('Doc', 'd', 'old') === undefined;
      }, 'the idle sender loses its outcome');
    });

    test('past maxOutcomes the senders idle longest lose their outcomes, and it is logged once at warn', async (t) => {
      const logger = createMemoryLogger();
      const store = makeStore({ logger, outcomesPerSender: 10, maxOutcomes: 100 });
      t.after(() => store.close());
      await mounted(store, 'd');
      for (let sender = 0; sender < 20; sender++) {
        for (let i = 0; i < 10; i++) await store.saveOutcome('Doc', 'd', `s${sender}-${i}`, outcome(1), `sender-${sender}`);
        // The SQLite store enforces the bound when it expires; the memory store at once.
        await store.expire();
      }
      let kept = 0;
      for (let sender = 0; sender < 20; sender++) for (let i = 0; i < 10; i++) if (await store.recallOutcome('Doc', 'd', `s${sender}-${i}`)) kept += 1;
      assert.ok(kept <= 100, `kept ${kept} of 200 with maxOutcomes 100`);
      assert.ok(await store.recallOutcome('Doc', 'd', 's19-9'), 'the newest sender keeps its outcomes');
      assert.equal(await store.recallOutcome('Doc', 'd', 's0-0'), undefined, 'the sender idle longest lost its outcomes');
      const warnings = logger.entries.filter((entry) => entry.level === 'warn' && entry.message.startsWith('event dedupe windows dropped'));
      assert.equal(warnings.length, 1, 'logged once per 10 s, however many drops');
      assert.equal(warnings[0]!.fields.maxOutcomes, 100);
    });
  });
}
