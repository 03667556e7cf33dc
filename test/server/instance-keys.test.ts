import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceKeys } from '../../server/engine/instance-keys.js';

test('a pair\'s key is type NUL instance, found again from a fresh string of the same text', () => {
  const keys = new InstanceKeys();
  const first = keys.of('Doc', 'a');
  assert.equal(first, 'Doc\u0000a');
  // A fresh string with the same text (as JSON.parse makes for every event) finds the same key.
  assert.equal(keys.of('Doc', JSON.parse('"a"') as string), first);
  assert.notEqual(keys.of('Doc', 'b'), first);
  assert.notEqual(keys.of('Board', 'a'), first);
  assert.equal(keys.of('Doc\u0000a', ''), 'Doc\u0000a\u0000', 'the text alone decides, whatever was made before');
});

test('past its limit it starts again empty, and keys stay correct', () => {
  const keys = new InstanceKeys(3);
  for (let i = 0; i < 10; i++) assert.equal(keys.of(i % 2 ? 'A' : 'B', `i${i}`), `${i % 2 ? 'A' : 'B'}\u0000i${i}`);
  assert.equal(keys.of('A', 'i1'), 'A\u0000i1');
});
