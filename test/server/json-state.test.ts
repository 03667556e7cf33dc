/**
 * A handler's state is stored as exactly what a JSON round trip makes of it, whichever way it is made (flat
 * states are copied property by property, others go through JSON): same values, same key order, prototype
 * keys dropped. The copy a handler gets is its own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJsonGuarded } from '../../protocol/index.js';
import { copyState, toJsonState } from '../../server/engine/json-state.js';

/** The reference: a JSON round trip, prototype keys dropped. */
function roundTrip(value: unknown): unknown {
  return parseJsonGuarded(JSON.stringify(value)).value;
}

class Point {
  x = 1;
  y = -0;
}

const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: 'two' });

const CASES: Record<string, unknown> = {
  'empty': {},
  'scalars': { on: true, off: false, n: 42, f: -1.5, s: 'text', nothing: null },
  'integer keys come first': { b: 1, 2: 'two', a: 3, 1: 'one' },
  'negative zero': { z: -0 },
  'non-finite numbers': { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY },
  'left-out values': { u: undefined, f: () => 1, s: Symbol('s'), kept: 1 },
  'strings that need escapes': { q: 'say "hi"', nl: 'a\nb', lone: '\ud800', sep: '\u2028' },
  'null prototype': nullPrototype,
  'class instance': new Point(),
  'toJSON': { toJSON: () => ({ replaced: true }) },
  'getter': Object.defineProperty({ plain: 1 }, 'computed', { get: () => 'got', enumerable: true }),
  'hidden property': Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false }),
  'symbol key': { [Symbol('k')]: 1, visible: 2 },
  'nested': { list: [1, { a: undefined, b: Number.NaN }], obj: { d: new Date(0) } },
  'own __proto__ key': JSON.parse('{"__proto__": {"admin": true}, "ok": 1}') as unknown,
  'own constructor key': { constructor: 'x', ok: 1 },
  'date value': { when: new Date(86_400_000) },
};

describe('toJsonState', () => {
  for (const [name, value] of Object.entries(CASES)) {
    test(`${name}: the same as a JSON round trip, key order included`, () => {
      const state = toJsonState(value);
      assert.deepEqual(state, roundTrip(value));
      assert.equal(JSON.stringify(state), JSON.stringify(roundTrip(value)));
      assert.equal(Object.getPrototypeOf(state), Object.prototype);
      assert.ok(!Object.hasOwn(state, '__proto__'), 'no prototype key gets in');
    });
  }

  test('what JSON cannot hold is refused as JSON refuses it', () => {
    assert.throws(() => toJsonState({ big: 1n }), TypeError);
    assert.throws(() => toJsonState({ nested: { big: 1n } }), TypeError);
    assert.throws(() => toJsonState([1, 2]), /plain object/);
    assert.throws(() => toJsonState(null), /plain object/);
    assert.throws(() => toJsonState('text'), /plain object/);
  });

  test('a state never shares anything with what the handler returned', () => {
    const returned = { on: true, list: [1] };
    const state = toJsonState(returned);
    returned.on = false;
    returned.list.push(2);
    assert.deepEqual(state, { on: true, list: [1] });
    const flatReturned = { on: true };
    const flatState = toJsonState(flatReturned);
    flatReturned.on = false;
    assert.deepEqual(flatState, { on: true });
  });
});

describe('toJsonState with the previous state', () => {
  const previous = toJsonState({ title: 'list', items: [{ id: 'a', done: false }, { id: 'b', done: true }], meta: { by: 'ada', at: 1 }, n: 0 });

  const RESULTS: Record<string, unknown> = {
    'nothing changed': copyState(previous),
    'one item changed': { title: 'list', items: [{ id: 'a', done: true }, { id: 'b', done: true }], meta: { by: 'ada', at: 1 }, n: 0 },
    'an item added': { title: 'list', items: [{ id: 'a', done: false }, { id: 'b', done: true }, { id: 'c', done: false }], meta: { by: 'ada', at: 1 }, n: 1 },
    'an item removed': { title: 'list', items: [{ id: 'b', done: true }], meta: { by: 'ada', at: 1 }, n: -0 },
    'keys reordered': { items: [{ done: false, id: 'a' }, { id: 'b', done: true }], title: 'list', meta: { at: 1, by: 'ada' }, n: 0 },
    'a key left out or undefined': { title: 'list', items: [{ id: 'a', done: false }, { id: 'b', done: true }], meta: { by: 'ada', at: undefined }, n: 0 },
    'a key added': { title: 'list', items: [{ id: 'a', done: false }, { id: 'b', done: true }], meta: { by: 'ada', at: 1, extra: Number.NaN }, n: 0 },
    'an array became an object': { title: 'list', items: { 0: { id: 'a', done: false } }, meta: { by: 'ada', at: 1 }, n: 0 },
    'odd values': { title: 'list', items: [undefined, () => 1, new Date(0)], meta: { by: 'ada', at: 1 }, n: 0 },
  };

  for (const [name, result] of Object.entries(RESULTS)) {
    test(`${name}: the same as a JSON round trip, key order included`, () => {
      const state = toJsonState(result, previous);
      assert.deepEqual(state, roundTrip(result));
      assert.equal(JSON.stringify(state), JSON.stringify(roundTrip(result)));
    });
  }

  test('what did not change is the previous state\'s own, down to the item; what changed is new', () => {
    const state = toJsonState(RESULTS['one item changed'], previous) as { items: object[]; meta: object };
    const before = previous as { items: object[]; meta: object };
    assert.equal(state.meta, before.meta);
    assert.notEqual(state.items, before.items);
    assert.notEqual(state.items[0], before.items[0]);
    assert.equal(state.items[1], before.items[1]);
    const unchanged = toJsonState(RESULTS['nothing changed'], previous);
    for (const key of Object.keys(previous)) assert.equal(unchanged[key], previous[key], `${key} is the previous state's`);
    const reordered = toJsonState(RESULTS['keys reordered'], previous) as { meta: object };
    assert.notEqual(reordered.meta, before.meta, 'an object whose keys moved is not shared: its key order is the new one');
  });

  test('the previous state is left as it was', () => {
    const text = JSON.stringify(previous);
    for (const result of Object.values(RESULTS)) toJsonState(result, previous);
    assert.equal(JSON.stringify(previous), text);
  });
});

describe('copyState', () => {
  for (const [name, value] of Object.entries({ flat: { on: true, n: 1 }, nested: { list: [{ done: false }] } })) {
    test(`${name}: a copy equal to the state, changed freely without touching it`, () => {
      const state = toJsonState(value);
      const copy = copyState(state) as Record<string, unknown>;
      assert.deepEqual(copy, state);
      assert.notEqual(copy, state);
      copy.extra = 1;
      if (Array.isArray(copy.list)) (copy.list[0] as Record<string, unknown>).done = true;
      assert.deepEqual(state, roundTrip(value));
      assert.deepEqual(Object.keys(copy).filter((key) => key !== 'extra'), Object.keys(state));
      assert.deepEqual(Object.getOwnPropertySymbols(copy), [], 'no marker reaches the handler');
    });
  }

  test('a state from elsewhere (another store) is copied too', () => {
    const stored = JSON.parse('{"a":{"b":[1,2]}}') as { a: { b: number[] } };
    const copy = copyState(stored) as { a: { b: number[] } };
    copy.a.b.push(3);
    assert.deepEqual(stored, { a: { b: [1, 2] } });
  });
});
