/**
 * The bounded maps that remember event outcomes: keys are scoped by their group, the bound holds over all
 * groups together, recently read entries survive a rotation, and the memory store's outcomes follow the same
 * rules (scoped by instance, bounded by `outcomeLimit`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, type EventOutcome } from '../../server/index.js';
import { GroupedGenerationalMap } from '../../server/grouped-generational-map.js';

describe('GroupedGenerationalMap', () => {
  test('a key is found only in its own group', () => {
    const map = new GroupedGenerationalMap<number>(10);
    map.set('a', 'k', 1);
    map.set('b', 'k', 2);
    assert.equal(map.get('a', 'k'), 1);
    assert.equal(map.get('b', 'k'), 2);
    assert.equal(map.get('c', 'k'), undefined);
    assert.equal(map.get('a', 'other'), undefined);
    assert.equal(map.size, 2);
  });

  test('setting a key again replaces its value without counting it twice', () => {
    const map = new GroupedGenerationalMap<number>(10);
    map.set('a', 'k', 1);
    map.set('a', 'k', 2);
    assert.equal(map.get('a', 'k'), 2);
    assert.equal(map.size, 1);
  });

  test('keeps between limit / 2 and limit entries over all groups, dropping the oldest generation whole', () => {
    const map = new GroupedGenerationalMap<number>(8);
    // Spread over groups: the bound is global, not per group.
    for (let i = 0; i < 100; i++) {
      map.set(`g${i % 3}`, `${i}`, i);
      assert.ok(map.size <= 8, `size ${map.size} after ${i + 1} sets`);
      if (i >= 8) assert.ok(map.size >= 4, `size ${map.size} after ${i + 1} sets`);
    }
    for (let i = 96; i < 100; i++) assert.equal(map.get(`g${i % 3}`, `${i}`), i, `recent key ${i} is kept`);
    for (let i = 0; i < 88; i++) assert.equal(map.get(`g${i % 3}`, `${i}`), undefined, `old key ${i} is gone`);
  });

  test('an entry read from the old generation is promoted and outlives the next rotation', () => {
    const map = new GroupedGenerationalMap<number>(4);
    map.set('g', 'keep', 1);
    map.set('g', 'x1', 0); // young is full (2): it becomes old
    assert.equal(map.get('g', 'keep'), 1); // promoted into the new young generation
    map.set('g', 'x2', 0); // young is full again: the old one (with x1) is dropped
    assert.equal(map.get('g', 'keep'), 1);
    assert.equal(map.get('g', 'x1'), undefined);
  });

  test('pairs that join to the same text stay apart', () => {
    const map = new GroupedGenerationalMap<number>(10);
    map.set('ab', 'c', 1);
    map.set('a', 'bc', 2);
    map.set('', 'abc', 3);
    assert.deepEqual([map.get('ab', 'c'), map.get('a', 'bc'), map.get('', 'abc'), map.get('abc', '')], [1, 2, 3, undefined]);
  });

  test('holds every entry of a full generation while its table grows', () => {
    const map = new GroupedGenerationalMap<number>(200_000);
    for (let i = 0; i < 100_000; i++) map.set(`Doc\u0000d${i % 7}`, `client.${i}`, i);
    assert.equal(map.size, 100_000);
    for (let i = 0; i < 100_000; i += 997) assert.equal(map.get(`Doc\u0000d${i % 7}`, `client.${i}`), i);
    assert.equal(map.get('Doc\u0000d0', 'client.100000'), undefined);
    assert.equal(map.get('Doc\u0000d1', 'client.0'), undefined, 'the key is found only in its own group');
  });

  test('ids that all hash alike are still kept apart, past the probe limit too, and forgotten in bulk', () => {
    // Every pair lands on one slot: 32 fill the run of slots probed, the rest go to the overflow map.
    const map = new GroupedGenerationalMap<number>(1_000, () => 7);
    for (let i = 0; i < 300; i++) map.set('g', `id-${i}`, i);
    for (let i = 0; i < 300; i++) map.set('g', `id-${i}`, i * 10);
    map.set('h', 'id-0', -1);
    assert.equal(map.size, 301);
    for (let i = 0; i < 300; i++) assert.equal(map.get('g', `id-${i}`), i * 10);
    assert.equal(map.get('h', 'id-0'), -1);
    assert.equal(map.get('h', 'id-1'), undefined);
    // Two rotations later (a generation holds half the limit, 500): the flood is gone.
    for (let i = 0; i < 1_000; i++) map.set('other', `x-${i}`, i);
    assert.equal(map.get('g', 'id-5'), undefined);
    assert.equal(map.get('h', 'id-0'), undefined);
    assert.ok(map.size <= 1_000);
  });
});

describe('MemoryStore outcomes', () => {
  const outcome = (rev: number): EventOutcome => ({ ok: true, type: 'Doc', instance: 'd', rev });

  test('are scoped by type and instance', async () => {
    const store = new MemoryStore();
    await store.saveOutcome('Doc', 'd', 'e1', outcome(1));
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e1'), outcome(1));
    assert.equal(await store.recallOutcome('Doc', 'other', 'e1'), undefined);
    assert.equal(await store.recallOutcome('Other', 'd', 'e1'), undefined);
  });

  test('a commit remembers its outcome in the same write, and a refused commit does not', async () => {
    const store = new MemoryStore();
    assert.equal(await store.commit('Doc', 'd', { state: { n: 1 }, rev: 1, expectedRev: 0 }), true);
    assert.equal(await store.commit('Doc', 'd', { state: { n: 2 }, rev: 2, expectedRev: 1, batch: '[]', outcome: { eventId: 'e2', outcome: outcome(2) } }), true);
    assert.deepEqual(await store.recallOutcome('Doc', 'd', 'e2'), outcome(2));
    assert.equal(await store.commit('Doc', 'd', { state: { n: 9 }, rev: 2, expectedRev: 1, batch: '[]', outcome: { eventId: 'stale', outcome: outcome(2) } }), false);
    assert.equal(await store.recallOutcome('Doc', 'd', 'stale'), undefined);
  });

  test('are bounded by outcomeLimit across instances', async () => {
    const store = new MemoryStore({ outcomeLimit: 10 });
    for (let i = 0; i < 50; i++) await store.saveOutcome('Doc', `d${i % 5}`, `e${i}`, outcome(i));
    let kept = 0;
    for (let i = 0; i < 50; i++) if (await store.recallOutcome('Doc', `d${i % 5}`, `e${i}`)) kept += 1;
    assert.ok(kept >= 5 && kept <= 10, `kept ${kept}`);
    assert.ok(await store.recallOutcome('Doc', 'd4', 'e49'), 'the newest is kept');
  });
});
