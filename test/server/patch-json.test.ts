/**
 * The hand-written patch JSON is byte for byte what `JSON.stringify` writes, for every kind of string and
 * value a state or an event id can hold: clients and the replay log see no difference, and both transports
 * still carry identical text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PatchAction, type JsonValue } from '../../protocol/index.js';
import { freezeState, toJsonState } from '../../server/engine/json-state.js';
import { ackJson, bindUpdateBatchJson, jsonString } from '../../server/engine/patch-json.js';

const STRINGS = [
  '',
  'plain',
  'with "quotes"',
  'back\\slash',
  'line\nbreak\ttab\r',
  '\u0000\u0001\u001f',
  '\u007f\u0080\u009f',
  'line sep \u2028 para sep \u2029',
  'é ß 中文 👍',
  'lone high \ud800 end',
  'lone low \udc00 end',
  'reversed pair \udc00\ud800',
  '</script><!--',
  '\\u0041 is not A',
];

const VALUES: JsonValue[] = [
  true,
  false,
  null,
  0,
  -0,
  1.5,
  -273.15,
  1e21,
  1e-7,
  Number.MAX_SAFE_INTEGER,
  ...STRINGS,
  [],
  [1, 'two', null, { three: [3] }],
  {},
  { nested: { 'key "quoted"': 'value\n', list: [true, false] } },
];

describe('patch JSON', () => {
  test('a string is quoted exactly as JSON.stringify quotes it', () => {
    for (const text of STRINGS) assert.equal(jsonString(text), JSON.stringify(text), JSON.stringify(text));
  });

  test('a bindUpdate batch is exactly the JSON.stringify of its patches', () => {
    for (const name of STRINGS) {
      const changes = VALUES.map((value, i) => ({ prop: `${name}${i}`, value }));
      const expected = JSON.stringify(
        changes.map(({ prop, value }) => ({ action: PatchAction.BindUpdate, type: name, instance: `i${name}`, prop, value, rev: 42 })),
      );
      assert.equal(bindUpdateBatchJson(name, `i${name}`, 42, changes), expected);
      assert.deepEqual(JSON.parse(bindUpdateBatchJson(name, name, 1, changes.slice(0, 1))), [
        { action: PatchAction.BindUpdate, type: name, instance: name, prop: changes[0]!.prop, value: true, rev: 1 },
      ]);
    }
  });

  test('a frozen stored value (an immutableState handler\'s outside production) is written exactly as JSON.stringify writes it, again and again', () => {
    const nestedValues = VALUES.filter((value) => typeof value === 'object' && value !== null);
    const state = freezeState(toJsonState({ all: [...nestedValues, { strings: STRINGS, keyed: Object.fromEntries(STRINGS.map((text, i) => [text, i])) }] }));
    const changes = [{ prop: 'all', value: state.all! }, ...nestedValues.map((value, i) => ({ prop: `v${i}`, value: freezeState(value) }))];
    const expected = JSON.stringify(changes.map(({ prop, value }) => ({ action: PatchAction.BindUpdate, type: 'T', instance: 'i', prop, value, rev: 9 })));
    // Twice: writing a frozen value changes nothing about it.
    assert.equal(bindUpdateBatchJson('T', 'i', 9, changes), expected);
    assert.equal(bindUpdateBatchJson('T', 'i', 9, changes), expected);
  });

  test('non-finite numbers are written as null, as JSON.stringify does', () => {
    const changes = [Number.NaN, Number.POSITIVE_INFINITY].map((value, i) => ({ prop: `p${i}`, value }));
    assert.equal(
      bindUpdateBatchJson('T', 'i', 3, changes),
      JSON.stringify(changes.map(({ prop, value }) => ({ action: PatchAction.BindUpdate, type: 'T', instance: 'i', prop, value, rev: 3 }))),
    );
  });

  test('an empty change list is an empty array', () => {
    assert.equal(bindUpdateBatchJson('T', 'i', 1, []), '[]');
  });

  test('an ack is exactly the JSON.stringify of the ack patch', () => {
    for (const text of STRINGS) {
      const ack = { action: PatchAction.Ack, eventId: `e-${text}`, type: text, instance: `${text}!`, rev: 7 };
      assert.equal(ackJson(ack.eventId, ack.type, ack.instance, ack.rev), JSON.stringify(ack));
    }
  });
});
