import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonValue } from '../../protocol/index.js';
import { diffState, jsonEqual } from '../../server/engine/state-diff.js';

describe('server/state-diff jsonEqual', () => {
  test('ignores key order at every depth', () => {
    assert.ok(jsonEqual({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });

  test('compares arrays in order and by length', () => {
    assert.ok(jsonEqual([1, 2], [1, 2]));
    assert.ok(!jsonEqual([1, 2], [2, 1]));
    assert.ok(!jsonEqual([1], [1, 1]));
  });

  test('tells apart values of different kinds', () => {
    const pairs: [JsonValue, JsonValue][] = [
      [null, {}],
      [{}, null],
      [[], {}],
      [{}, []],
      [0, false],
      ['1', 1],
      [null, 0],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: 1, b: 2 }, { a: 1, c: 2 }],
    ];
    for (const [a, b] of pairs) {
      assert.ok(!jsonEqual(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      assert.ok(!jsonEqual(b, a), `${JSON.stringify(b)} vs ${JSON.stringify(a)}`);
    }
  });

  test('does not treat inherited names as present', () => {
    assert.ok(!jsonEqual({ toString: 1 }, { valueOf: 1 }));
    assert.ok(!jsonEqual({ constructor: null }, { other: null }));
  });
});

describe('server/state-diff diffState', () => {
  test('no change → no patches, key order included', () => {
    assert.deepEqual(diffState({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 }), []);
  });

  test('only changed top-level props, with their whole new value', () => {
    assert.deepEqual(diffState({ a: 1, b: { x: 1, y: 2 }, c: [1] }, { a: 1, b: { x: 1, y: 3 }, c: [1] }), [{ prop: 'b', value: { x: 1, y: 3 } }]);
  });

  test("added props in the new state's order, then removed props as null", () => {
    assert.deepEqual(diffState({ gone: 1, kept: 2, other: 3 }, { fresh: 'f', kept: 2, changed: true }), [
      { prop: 'fresh', value: 'f' },
      { prop: 'changed', value: true },
      { prop: 'gone', value: null },
      { prop: 'other', value: null },
    ]);
  });

  test('a prop set to null is a change; a removed null prop is still reported', () => {
    assert.deepEqual(diffState({ a: 1 }, { a: null }), [{ prop: 'a', value: null }]);
    assert.deepEqual(diffState({ a: null }, {}), [{ prop: 'a', value: null }]);
  });

  test('props named like Object.prototype members are ordinary props', () => {
    assert.deepEqual(diffState({}, { constructor: 1, toString: 'x' }), [
      { prop: 'constructor', value: 1 },
      { prop: 'toString', value: 'x' },
    ]);
  });
});
