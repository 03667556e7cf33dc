import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineHandler, NascError } from '../../server/index.js';
import { startTestServer, transports, type TestServer } from '../../testing/index.js';

// The app's handler; an app imports it from its own module.
interface Counter {
  count: number;
}
const Counter = defineHandler<Counter>({
  mount: () => ({ count: 0 }),
  add(payload, state) {
    const by = Number(payload.by);
    if (!Number.isInteger(by) || by < 1) throw new NascError('Add a whole number above 0.', { field: 'by' });
    return { count: state.count + by };
  },
});

for (const transport of transports) {
  describe(`Counter over ${transport}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ handlers: { Counter } });
    });
    after(() => server.close());

    test('a change reaches every window showing the instance', async () => {
      const alice = await server.connect(transport);
      const bob = await server.connect(transport);
      const mine = await alice.mount('Counter', 'shared');
      const theirs = await bob.mount('Counter', 'shared');
      const applied = await mine.expectApplied('add', { by: 2 });
      assert.deepEqual(applied.patches.map(({ prop, value }) => ({ prop, value })), [{ prop: 'count', value: 2 }]);
      assert.deepEqual(mine.state, { count: 2 });
      await theirs.waitFor((state) => state.count === 2, 'Bob sees 2');
    });

    test('a refused event names its field and changes nothing', async () => {
      const alice = await server.connect(transport);
      const counter = await alice.mount('Counter', 'refusals');
      const refused = await counter.expectRefused('add', { by: 0 });
      assert.equal(refused.field, 'by');
      assert.equal(refused.message, 'Add a whole number above 0.');
      assert.deepEqual(counter.state, { count: 0 });
    });

    test('concurrent users each count once', async () => {
      const users = await Promise.all(Array.from({ length: 5 }, () => server.connect(transport)));
      const counters = await Promise.all(users.map((user) => user.mount('Counter', 'busy')));
      await Promise.all(counters.map((counter) => counter.expectApplied('add', { by: 1 })));
      for (const counter of counters) await counter.waitFor((state) => state.count === 5, 'every click counted');
    });

    test('a window that reconnects gets what it missed', async () => {
      const alice = await server.connect(transport);
      const bob = await server.connect(transport);
      const mine = await alice.mount('Counter', 'offline');
      const theirs = await bob.mount('Counter', 'offline');
      await alice.disconnect();
      await theirs.expectApplied('add', { by: 3 });
      await alice.reconnect();
      assert.deepEqual(mine.state, { count: 3 });
    });
  });
}
