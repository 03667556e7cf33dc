/**
 * A handler works on its own copy of the state: changing that copy in place, deep inside, is harmless, and so
 * is changing the object it returned after returning it. What was stored is what the next event sees and
 * what a newcomer's snapshot shows, whichever store hands the state back (the memory store hands back the
 * very object it was given, which the engine also copies from cached JSON text).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import { defineHandler, MemoryStore, SqliteStore, type Store } from '../../server/index.js';
import { acks, bindUpdatesOf, type ServerMessage } from '../support/server-message.js';
import { startTestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

interface ListState {
  items: { id: string; tags: string[] }[];
  total: number;
}

/** Objects a handler returned, kept to be changed later, as a careless handler might. */
const kept: JsonObject[] = [];

const List = defineHandler<ListState>({
  mount: () => ({ items: [{ id: 'a', tags: ['first'] }], total: 1 }),
  // Changes its copy in place, deep inside, and returns that same object.
  add: (payload, state) => {
    state.items.push({ id: String(payload.id), tags: [] });
    state.items[0]!.tags.push(`seen-${String(payload.id)}`);
    state.total += 1;
    return state;
  },
  // Returns a fresh object and changes it once the event is done.
  rename: (payload, state) => {
    const next = { ...state, items: state.items.map((item) => ({ ...item, id: `${item.id}${String(payload.suffix)}` })) };
    kept.push(next as unknown as JsonObject);
    return next;
  },
});

function propOf(message: ServerMessage, prop: string): unknown {
  return bindUpdatesOf(message).find((patch) => patch.prop === prop)?.value;
}

const stores: [string, () => Store][] = [
  ['memory store', () => new MemoryStore()],
  ['SQLite store', () => new SqliteStore({ path: ':memory:' })],
];

for (const transport of transports) {
  for (const [storeName, makeStore] of stores) {
    describe(`handler state isolation over ${transport.name}, ${storeName}`, () => {
      test('in-place and after-the-fact changes never reach the stored state', async (t) => {
        const server = await startTestServer({ handlers: { List }, store: makeStore() });
        t.after(() => server.close());
        const client = await transport.open(server, 'isolation');
        await client.mount('List', 'l1');

        await client.send({ event: 'add', type: 'List', instance: 'l1', payload: { id: 'b' }, eventId: 'add-b' });
        const added = await client.messages.next(acks('add-b'));
        assert.deepEqual(propOf(added, 'items'), [{ id: 'a', tags: ['first', 'seen-b'] }, { id: 'b', tags: [] }]);

        await client.send({ event: 'rename', type: 'List', instance: 'l1', payload: { suffix: '1' }, eventId: 'rename-1' });
        await client.messages.next(acks('rename-1'));
        // The handler's returned object is changed after the fact; the store must not care.
        const returned = kept.at(-1) as unknown as ListState;
        returned.items.push({ id: 'intruder', tags: [] });
        returned.total = 999;

        await client.send({ event: 'add', type: 'List', instance: 'l1', payload: { id: 'c' }, eventId: 'add-c' });
        const third = await client.messages.next(acks('add-c'));
        assert.deepEqual(propOf(third, 'items'), [
          { id: 'a1', tags: ['first', 'seen-b', 'seen-c'] },
          { id: 'b1', tags: [] },
          { id: 'c', tags: [] },
        ]);
        assert.equal(propOf(third, 'total'), 3);

        const newcomer = await transport.open(server, 'newcomer');
        const snapshot = await newcomer.mount('List', 'l1');
        assert.deepEqual(propOf(snapshot, 'items'), [
          { id: 'a1', tags: ['first', 'seen-b', 'seen-c'] },
          { id: 'b1', tags: [] },
          { id: 'c', tags: [] },
        ]);
        assert.equal(propOf(snapshot, 'total'), 3);
      });
    });
  }
}
