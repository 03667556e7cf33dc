import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineHandler, withPayload, type FromSchema } from '../../server/index.js';

interface Counter {
  count: number;
  label: string;
}

/** Compile-time equality: `Expect<Equal<A, B>>` fails to compile unless A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

export const Typed = defineHandler<Counter>({
  mount: () => ({ count: 0, label: '' }),
  add: withPayload(
    { type: 'object', properties: { by: { type: 'integer', minimum: 1 }, note: { type: 'string' } }, required: ['by'] },
    (payload, state) => {
      type Payload = typeof payload;
      type _payload = Expect<Equal<Payload, { by: number; note?: string }>>;
      // @ts-expect-error `note` may be absent: it is not required.
      const shout = (): string => payload.note.toUpperCase();
      void shout;
      return { ...state, count: state.count + payload.by };
    },
  ),
  rename: withPayload({ type: 'object', properties: { label: { enum: ['a', 'b'] } }, required: ['label'] }, (payload, state) => ({ ...state, label: payload.label })),
  // Events without a schema take any JSON object, as before.
  reset: (_payload, state) => ({ ...state, count: 0 }),
});

type _types = [
  Expect<Equal<FromSchema<{ type: 'string' }>, string>>,
  Expect<Equal<FromSchema<{ type: ['string', 'null'] }>, string | null>>,
  Expect<Equal<FromSchema<{ type: 'array'; items: { type: 'boolean' } }>, boolean[]>>,
  Expect<Equal<FromSchema<{ const: 'x' }>, 'x'>>,
  Expect<Equal<FromSchema<{ anyOf: [{ type: 'number' }, { type: 'string' }] }>, number | string>>,
  Expect<Equal<FromSchema<{ type: 'object'; properties: { a: { type: 'object'; properties: { b: { type: 'integer' } }; required: ['b'] } }; required: ['a'] }>, { a: { b: number } }>>,
];

// @ts-expect-error a payload schema describes an object.
withPayload({ type: 'string' }, (_payload, state: Counter) => state);

defineHandler<Counter>({
  mount: () => ({ count: 0, label: '' }),
  // @ts-expect-error `by` is declared a string: adding it to a number does not give the state's type.
  add: withPayload({ type: 'object', properties: { by: { type: 'string' } }, required: ['by'] }, (payload, state) => ({ ...state, count: state.count + payload.by })),
});

test('withPayload keeps the handler a plain function and carries its schema', async () => {
  const add = Typed.add as typeof Typed.add & { payloadSchema?: unknown };
  assert.deepEqual(add.payloadSchema, { type: 'object', properties: { by: { type: 'integer', minimum: 1 }, note: { type: 'string' } }, required: ['by'] });
  const ctx = { type: 'Typed', instance: 'i', event: 'add', eventId: 'e', clientId: 'c', session: 's' };
  assert.deepEqual(await Typed.add({ by: 2 }, { count: 1, label: '' }, ctx), { count: 3, label: '' });
});
