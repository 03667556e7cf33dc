import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindUpdatesOf, type ServerMessage } from '../support/server-message.js';
import { createTestApp, INITIAL_DOC } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { sseTransport, transports, wsTransport, type Session } from '../support/transport.js';

const TOGGLES = 1_000;
/** A thousand round trips on two busy cores: generous, since the wait ends as soon as they are in. */
const BATCH_TIMEOUT_MS = 60_000;

/** Reads `count` messages that carry a batch of `instance`, in arrival order. */
async function readBatches(client: Session, instance: string, count: number): Promise<ServerMessage[]> {
  const batches: ServerMessage[] = [];
  while (batches.length < count) {
    batches.push(
      await client.messages.next(
        (message) => bindUpdatesOf(message).some((patch) => patch.instance === instance),
        BATCH_TIMEOUT_MS,
        `batch ${batches.length + 1} of ${count}`,
      ),
    );
  }
  return batches;
}

/** Revisions as a subscriber saw them: one per batch, every patch of a batch sharing it. */
function revisionsOf(batches: ServerMessage[]): number[] {
  return batches.map((batch) => {
    const revs = new Set(bindUpdatesOf(batch).map((patch) => patch.rev));
    assert.equal(revs.size, 1, `one revision per batch: ${batch.text}`);
    return [...revs][0]!;
  });
}

for (const transport of transports) {
  describe(`concurrency over ${transport.name}`, () => {
    test(`${TOGGLES} concurrent toggles on one instance: exact final state, revisions +1 each for every subscriber`, { timeout: 120_000 }, async (t) => {
      const app = createTestApp();
      const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      t.after(() => server.close());
      const sender = await transport.open(server, 'sender');
      // A subscriber on the other transport: fan-out under load must keep the order too.
      const watcher = await (transport.name === 'sse' ? wsTransport : sseTransport).open(server, 'watcher');
      await sender.mount('Doc', 'hot');
      await watcher.mount('Doc', 'hot');

      const eventIds = Array.from({ length: TOGGLES }, (_, index) => `toggle-${index}`);
      // All in flight at once: POSTs concurrently, WS frames back to back without waiting for answers.
      const sends = await Promise.allSettled(
        eventIds.map((eventId) => sender.send({ event: 'toggle', type: 'Doc', instance: 'hot', payload: {}, eventId })),
      );
      const failures = sends.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      assert.equal(failures.length, 0, `sends failed: ${failures.slice(0, 3).map((failure) => String(failure.reason)).join('; ')}`);

      const [senderBatches, watcherBatches] = await Promise.all([
        readBatches(sender, 'hot', TOGGLES),
        readBatches(watcher, 'hot', TOGGLES),
      ]);
      const expectedRevs = Array.from({ length: TOGGLES }, (_, index) => index + 2);
      assert.deepEqual(revisionsOf(senderBatches), expectedRevs, 'the sender saw every revision once, in order');
      assert.deepEqual(revisionsOf(watcherBatches), expectedRevs, 'the watcher saw every revision once, in order');

      // Each batch is one toggle: `on` alternates, `count` counts.
      senderBatches.forEach((batch, index) => {
        const state = Object.fromEntries(bindUpdatesOf(batch).map((patch) => [patch.prop, patch.value]));
        assert.deepEqual(state, { on: index % 2 === 0, count: index + 1 }, `batch ${index}`);
      });
      // Every event was acknowledged exactly once, to its sender, in the message of its own batch.
      const acked = senderBatches.flatMap((batch) => batch.patches.filter((patch) => patch.action === 'ack').map((patch) => patch.eventId));
      assert.deepEqual([...acked].sort(), [...eventIds].sort());
      senderBatches.forEach((batch, index) => {
        const last = batch.patches.at(-1);
        assert.ok(last?.action === 'ack' && last.rev === index + 2, `batch ${index} ends with the ack of the event that made it: ${batch.text}`);
      });
      assert.ok(watcherBatches.every((batch) => batch.patches.every((patch) => patch.action === 'bindUpdate')), 'no ack for a client that sent nothing');
      assert.equal(app.eventCalls.length, TOGGLES, 'each event ran its handler once');

      const fresh = await transport.open(server, 'fresh');
      const snapshot = await fresh.mount('Doc', 'hot');
      assert.deepEqual(
        bindUpdatesOf(snapshot).map((patch) => [patch.prop, patch.value, patch.rev]),
        Object.entries({ ...INITIAL_DOC, on: false, count: TOGGLES }).map(([prop, value]) => [prop, value, TOGGLES + 1]),
        'toggled 1,000 times: back to off, counted 1,000',
      );
    });
  });
}
