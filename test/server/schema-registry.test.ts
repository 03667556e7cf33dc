import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchemaRegistry, type AppSchema } from '../../server/engine/schema-registry.js';

const SCHEMA: AppSchema = {
  $defs: {
    Root: { properties: { a: { $ref: '#/$defs/A' }, list: { items: [{ $ref: '#/$defs/B' }, { $ref: '#/$defs/A' }] } } },
    A: { allOf: [{ properties: { deep: { anyOf: [{ $ref: '#/$defs/C' }] } } }] },
    B: { $ref: '#/$defs/Root' },
    C: { properties: { self: { $ref: '#/$defs/C' }, out: { $ref: 'https://example.com/other.json' }, missing: { $ref: '#/$defs/Missing' } } },
    'a/b': { properties: { tilde: { $ref: '#/$defs/x~0y' } } },
    'x~y': { type: 'string' },
    'with space': { type: 'number' },
    Escaped: { properties: { slash: { $ref: '#/$defs/a~1b' }, space: { $ref: '#/$defs/with%20space' } } },
    Lone: { type: 'null' },
  },
};

describe('server/schema-registry', () => {
  test('lists the types in $defs order', () => {
    const registry = new SchemaRegistry(SCHEMA);
    assert.deepEqual(registry.types, Object.keys(SCHEMA.$defs!));
    assert.deepEqual(new SchemaRegistry(undefined).types, []);
    assert.deepEqual(new SchemaRegistry({}).types, []);
  });

  test('closure: the type first, then every $ref-ed type at any depth, each once, depth-first', () => {
    const registry = new SchemaRegistry(SCHEMA);
    assert.deepEqual(registry.closure('Root'), ['Root', 'A', 'C', 'B']);
    assert.deepEqual(registry.closure('B'), ['B', 'Root', 'A', 'C']);
    assert.deepEqual(registry.closure('Lone'), ['Lone']);
  });

  test('closure survives cycles and self-references, skips external and missing refs', () => {
    const registry = new SchemaRegistry(SCHEMA);
    assert.deepEqual(registry.closure('C'), ['C']);
    assert.deepEqual(registry.closure('Missing'), []);
  });

  test('closure decodes JSON Pointer escapes (~1 → /, ~0 → ~) and percent-encoding', () => {
    const registry = new SchemaRegistry(SCHEMA);
    assert.deepEqual(registry.closure('Escaped'), ['Escaped', 'a/b', 'x~y', 'with space']);
  });

  test('closure results are stable and frozen', () => {
    const registry = new SchemaRegistry(SCHEMA);
    const first = registry.closure('Root');
    assert.equal(registry.closure('Root'), first);
    assert.ok(Object.isFrozen(first));
  });

  test('an inherited name is no type', () => {
    const registry = new SchemaRegistry(SCHEMA);
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.equal(registry.get(name), undefined, name);
      assert.deepEqual(registry.closure(name), [], name);
      assert.equal(registry.standalone(name), undefined, name);
    }
  });

  test('standalone: the definition with its closure as $defs, so its local $refs resolve', () => {
    const registry = new SchemaRegistry(SCHEMA);
    const defs = SCHEMA.$defs!;
    assert.deepEqual(registry.standalone('A'), { ...defs.A, $defs: { A: defs.A, C: defs.C } });
    assert.deepEqual(registry.standalone('Lone'), { ...defs.Lone, $defs: { Lone: defs.Lone } });
    assert.equal(registry.standalone('Nope'), undefined);
    // The registry's own schemas are not modified by building standalone ones.
    assert.equal(Object.hasOwn(registry.get('A')!, '$defs'), false);
  });
});
