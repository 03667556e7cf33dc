/**
 * `defineHandler(…, { immutableState: true })`: the handler gets the stored state itself instead of a copy,
 * deep-frozen unless `NODE_ENV` is `production`. What it returns is stored and diffed as with a copy (the same
 * patches, the same snapshots, over both transports, whichever store hands the state back: the memory store
 * keeps the very objects, SQLite parses them anew); outside production a handler that changes its state
 * anyway fails with a log line that says why, and the state stays as it was. Handlers without the option
 * still get a copy they may change.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import { freezeState, toJsonState } from '../../server/engine/json-state.js';
import { defineHandler, MemoryStore, SqliteStore, type Store } from '../../server/index.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { answers, bindUpdatesOf, errorsOf, type ServerMessage } from '../support/server-message.js';
import { startTestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

interface Todo {
  id: string;
  text: string;
  done: boolean;
}

interface TodoState {
  items: Todo[];
  remaining: number;
  meta: { owner: string; tags: string[] };
}

/** Whether the state each event got was frozen all the way down, per type. */
const seenFrozen: Record<string, boolean[]> = { Frozen: [], Copied: [] };

function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

const events = {
  mount: (): TodoState => ({
    items: [
      { id: 'a', text: 'milk', done: false },
      { id: 'b', text: 'bread', done: false },
    ],
    remaining: 2,
    meta: { owner: 'ada', tags: ['home'] },
  }),
  toggle: (payload: JsonObject, state: TodoState, ctx: { type: string }): TodoState => {
    seenFrozen[ctx.type]!.push(deeplyFrozen(state));
    const items = state.items.map((item) => (item.id === payload.id ? { ...item, done: !item.done } : item));
    return { ...state, items, remaining: items.filter((item) => !item.done).length };
  },
  // Moves the last todo first: every item kept, at another place.
  rotate: (_payload: JsonObject, state: TodoState): TodoState => ({ ...state, items: [state.items.at(-1)!, ...state.items.slice(0, -1)] }),
  // Changes the state it was given, as a handler written for copies does.
  tagInPlace: (payload: JsonObject, state: TodoState): TodoState => {
    state.meta.tags.push(String(payload.tag));
    return state;
  },
  unchanged: (_payload: JsonObject, state: TodoState): TodoState => state,
};

const Frozen = defineHandler<TodoState>({ ...events }, { immutableState: true });
const Copied = defineHandler<TodoState>({ ...events });

const stores: [string, () => Store][] = [
  ['memory store', () => new MemoryStore()],
  ['SQLite store', () => new SqliteStore({ path: ':memory:' })],
];

function propOf(message: ServerMessage, prop: string): unknown {
  return bindUpdatesOf(message).find((patch) => patch.prop === prop)?.value;
}

for (const transport of transports) {
  for (const [storeName, makeStore] of stores) {
    describe(`immutableState over ${transport.name}, ${storeName}`, () => {
      for (const production of [false, true]) {
        test(`${production ? 'in production the handler gets the stored state as it is' : 'the handler gets the stored state frozen'}; patches and snapshots are those of a copied state`, async (t) => {
          const nodeEnv = process.env.NODE_ENV;
          if (production) process.env.NODE_ENV = 'production';
          const server = await startTestServer({ handlers: { Frozen, Copied }, store: makeStore() }).finally(() => {
            if (nodeEnv === undefined) delete process.env.NODE_ENV;
            else process.env.NODE_ENV = nodeEnv;
          });
          t.after(() => server.close());
          const client = await transport.open(server, 'frozen-client');
          const wire: Record<string, string[]> = { Frozen: [], Copied: [] };
          for (const type of ['Frozen', 'Copied'] as const) {
            seenFrozen[type] = [];
            await client.mount(type, 'list');
            for (const [n, [event, payload]] of ([
              ['toggle', { id: 'a' }],
              ['rotate', {}],
              ['toggle', { id: 'a' }],
              ['unchanged', {}],
              ['toggle', { id: 'b' }],
            ] as const).entries()) {
              const eventId = `${type}-${n}`;
              await client.send({ event, type, instance: 'list', payload, eventId });
              const message = await client.messages.next(answers(eventId));
              wire[type]!.push(JSON.stringify(message.patches).replaceAll(`"${type}"`, '"T"').replaceAll(eventId, 'E'));
            }
          }
          assert.deepEqual(seenFrozen.Frozen, production ? [false, false, false] : [true, true, true]);
          assert.deepEqual(seenFrozen.Copied, [false, false, false], 'a handler without the option gets a copy it may change');
          assert.deepEqual(wire.Frozen, wire.Copied, 'the same patches, byte for byte, as with a copied state');

          const newcomer = await transport.open(server, 'frozen-newcomer');
          const snapshot = await newcomer.mount('Frozen', 'list');
          assert.deepEqual(propOf(snapshot, 'items'), [
            { id: 'b', text: 'bread', done: true },
            { id: 'a', text: 'milk', done: false },
          ]);
          assert.equal(propOf(snapshot, 'remaining'), 1);
        });
      }

      test('an immutableState handler that changes its state fails, says why in the log, and changes nothing', async (t) => {
        const logger = createMemoryLogger('warn');
        const server = await startTestServer({ handlers: { Frozen, Copied }, store: makeStore(), logger });
        t.after(() => server.close());
        const client = await transport.open(server, 'mutating-client');
        await client.mount('Frozen', 'tags');
        await client.send({ event: 'tagInPlace', type: 'Frozen', instance: 'tags', payload: { tag: 'work' }, eventId: 'tag-1' });
        const failed = await client.messages.next(answers('tag-1'));
        assert.deepEqual(
          errorsOf(failed).map((error) => error.code),
          ['handler_failed'],
        );
        const logged = logger.entries.find((entry) => entry.level === 'error' && entry.fields.event === 'tagInPlace');
        assert.ok(logged, 'the failure is logged');
        assert.match(String(logged.fields.error), /declared with immutableState/);

        // The next event sees the state as it was, and so does a newcomer.
        await client.send({ event: 'toggle', type: 'Frozen', instance: 'tags', payload: { id: 'a' }, eventId: 'toggle-1' });
        await client.messages.next(answers('toggle-1'));
        const newcomer = await transport.open(server, 'mutating-newcomer');
        const snapshot = await newcomer.mount('Frozen', 'tags');
        assert.deepEqual(propOf(snapshot, 'meta'), { owner: 'ada', tags: ['home'] });

        // The same handler without the option changes its copy, as it may.
        await client.mount('Copied', 'tags');
        await client.send({ event: 'tagInPlace', type: 'Copied', instance: 'tags', payload: { tag: 'work' }, eventId: 'tag-2' });
        const tagged = await client.messages.next(answers('tag-2'));
        assert.deepEqual(propOf(tagged, 'meta'), { owner: 'ada', tags: ['home', 'work'] });
      });
    });
  }
}

describe('frozen states as JSON', () => {
  test('what a frozen state keeps is shared, what is new is built and frozen, and JSON rules still apply', () => {
    const previous = freezeState(toJsonState({ items: [{ id: 'a' }, { id: 'b' }], meta: { n: 1 } }));
    assert.ok(Object.isFrozen(previous) && Object.isFrozen(previous.items) && Object.isFrozen((previous.items as JsonObject[])[0]));
    const items = previous.items as JsonObject[];
    const next = toJsonState({ ...previous, items: [items[0], { id: 'c', gone: undefined, skipped: () => 1 }], extra: Number.NaN }, previous, true);
    assert.equal(next.meta, previous.meta, 'a kept part is the previous state’s own object');
    assert.equal((next.items as JsonObject[])[0], items[0]);
    assert.deepEqual(next.items, [{ id: 'a' }, { id: 'c' }]);
    assert.equal(next.extra, null);
    assert.ok(Object.isFrozen(next) && Object.isFrozen(next.items) && Object.isFrozen((next.items as JsonObject[])[1]));
    // A value JSON writes through its own `toJSON` takes the JSON round trip, frozen all the same.
    const dated = toJsonState({ ...previous, at: new Date(0) }, previous, true);
    assert.equal(dated.at, '1970-01-01T00:00:00.000Z');
    assert.ok(Object.isFrozen(dated) && Object.isFrozen(dated.meta));
    // Without `freeze`, nothing new is frozen.
    const copied = toJsonState({ ...previous, items: [{ id: 'z' }] }, previous);
    assert.ok(!Object.isFrozen(copied) && !Object.isFrozen(copied.items));
  });

  test('an object the app froze itself is walked to JSON, not taken as a stored part', () => {
    const previous = freezeState(toJsonState({ mine: { at: 'noon' } }));
    const mine = Object.freeze({ at: 'noon', skipped: () => 1 });
    const next = toJsonState({ mine }, previous, true);
    assert.deepEqual(next.mine, { at: 'noon' });
    assert.notEqual(next.mine, mine, 'the app’s own object is never stored');
    assert.ok(Object.isFrozen(next.mine));
  });
});
