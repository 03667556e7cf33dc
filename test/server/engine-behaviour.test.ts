import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import { createMemoryLogger, type MemoryLogger } from '../support/memory-logger.js';
import { acks, answers, bindUpdatesOf, isSnapshotOf, schemasOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import {
  createTestApp,
  DOC_SCHEMA_CLOSURE,
  INITIAL_DOC,
  SECRET_FAILURE,
  TEST_SCHEMAS,
  type TestApp,
} from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports, type Session } from '../support/transport.js';

interface Fixture {
  app: TestApp;
  server: TestServer;
  logger: MemoryLogger;
}

async function setUp(t: TestContext): Promise<Fixture> {
  const app = createTestApp();
  const logger = createMemoryLogger();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, logger });
  t.after(() => server.close());
  return { app, server, logger };
}

/** Sends an event and returns the next message, which must be its answer: nothing else may come first. */
async function exchange(client: Session, event: string, instance: string, eventId: string, payload: JsonObject = {}): Promise<ServerMessage> {
  await client.send({ event, type: 'Doc', instance, payload, eventId });
  const message = await client.messages.next(undefined, undefined, `the answer to ${eventId}`);
  assert.ok(answers(eventId)(message), `the next message must answer ${eventId}, got ${message.text}`);
  return message;
}

function expectedSnapshot(instance: string, state: JsonObject, rev: number): JsonObject[] {
  return Object.entries(state).map(([prop, value]) => ({ action: 'bindUpdate', type: 'Doc', instance, prop, value, rev, snapshot: true }));
}

// Whatever a handler threw, the client may learn only that it failed: no text, no stack, no path.
function assertNothingLeaks(message: ServerMessage): void {
  assert.ok(!message.text.includes(SECRET_FAILURE), `the thrown message leaked to the client: ${message.text}`);
  for (const fragment of ['hunter2', 'postgres', '/srv/', 'doc.ts', ' at ', 'Error:', 'stack']) {
    assert.ok(!message.text.includes(fragment), `"${fragment}" leaked to the client: ${message.text}`);
  }
}

for (const transport of transports) {
  describe(`engine over ${transport.name}`, () => {
    test('mounting a new instance calls mount once, sends the $ref closure of schemas, then one bindUpdate per prop', async (t) => {
      const { app, server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      // An `instance` among the params must not let a client pass itself off as another instance.
      await client.send({ event: 'mount', type: 'Doc', instance: 'd1', payload: { title: 'Hello', instance: 'spoofed' } });
      const snapshot = await client.messages.next();

      assert.deepEqual(app.mountCalls, [{ instance: 'd1', title: 'Hello' }], 'mount(params) must be called once with {instance, ...params}');
      const schemas = schemasOf(snapshot);
      assert.deepEqual(
        schemas.map((patch) => patch.type),
        DOC_SCHEMA_CLOSURE,
        'the type and every type $ref-ed from it, at any depth, each once',
      );
      for (const patch of schemas) {
        assert.equal(patch.instance, 'd1');
        assert.deepEqual(patch.schema, TEST_SCHEMAS.$defs![patch.type]);
      }
      assert.deepEqual(
        snapshot.patches.map((patch) => patch.action),
        [...schemas.map(() => 'schema'), 'snapshot', ...Object.keys(INITIAL_DOC).map(() => 'bindUpdate')],
        'schemas first, then the snapshot marker, then the bindUpdates',
      );
      assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Doc', instance: 'd1', rev: 1 });
      assert.deepEqual(bindUpdatesOf(snapshot), expectedSnapshot('d1', { ...INITIAL_DOC, title: 'Hello' }, 1));
    });

    test('mounting an existing instance resends schemas and current state without calling mount', async (t) => {
      const { app, server } = await setUp(t);
      const first = await transport.open(server, 'client-1');
      const firstSnapshot = await first.mount('Doc', 'd1');
      await exchange(first, 'increment', 'd1', 'e1');

      const second = await transport.open(server, 'client-2');
      const snapshot = await second.mount('Doc', 'd1', { title: 'ignored for an existing instance' });
      assert.equal(app.mountCalls.length, 1, 'handler.mount runs only for a new instance');
      assert.deepEqual(schemasOf(snapshot), schemasOf(firstSnapshot));
      assert.deepEqual(bindUpdatesOf(snapshot), expectedSnapshot('d1', { ...INITIAL_DOC, count: 1 }, 2));

      // The same client mounting again gets the same answer.
      const again = await first.mount('Doc', 'd1');
      assert.equal(again.text, snapshot.text);
      assert.equal(app.mountCalls.length, 1);
    });

    test('a mount named by an eventId is answered by its snapshot, then its ack; an unnamed one by the snapshot alone', async (t) => {
      const { server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      await client.send({ event: 'mount', type: 'Doc', instance: 'd1', payload: {}, eventId: 'named-mount' });
      assert.ok(isSnapshotOf('Doc', 'd1')(await client.messages.next()));
      assert.deepEqual((await client.messages.next()).patches, [{ action: 'ack', eventId: 'named-mount', type: 'Doc', instance: 'd1', rev: 1 }]);

      await client.send({ event: 'mount', type: 'Doc', instance: 'd2', payload: {} });
      assert.ok(isSnapshotOf('Doc', 'd2')(await client.messages.next()));
      await client.send({ event: 'same', type: 'Doc', instance: 'd2', payload: {}, eventId: 'probe' });
      assert.ok(acks('probe')(await client.messages.next()), 'no ack for an unnamed mount');
    });

    test("an event's batch holds exactly the changed top-level props; removals are null; key order is no change", async (t) => {
      const { app, server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      await client.mount('Doc', 'd1');
      const bind = (prop: string, value: unknown, rev: number) => ({ action: 'bindUpdate', type: 'Doc', instance: 'd1', prop, value, rev });
      const ack = (eventId: string, rev: number) => ({ action: 'ack', eventId, type: 'Doc', instance: 'd1', rev });

      const nested = await exchange(client, 'set', 'd1', 'e1', { prop: 'meta', value: { x: 1, y: 3 } });
      assert.deepEqual(nested.patches, [bind('meta', { x: 1, y: 3 }, 2), ack('e1', 2)], 'a nested change is sent as its top-level prop');

      const removed = await exchange(client, 'remove', 'd1', 'e2', { prop: 'tags' });
      assert.deepEqual(removed.patches, [bind('tags', null, 3), ack('e2', 3)], 'a removed prop is sent as null');

      const added = await exchange(client, 'set', 'd1', 'e3', { prop: 'fresh', value: [1, { a: null }] });
      assert.deepEqual(added.patches, [bind('fresh', [1, { a: null }], 4), ack('e3', 4)]);

      const reordered = await exchange(client, 'reorder', 'd1', 'e4');
      assert.deepEqual(reordered.patches, [ack('e4', 4)], 'reversed key order at every depth is no change');

      const sameNested = await exchange(client, 'set', 'd1', 'e5', { prop: 'meta', value: { y: 3, x: 1 } });
      assert.deepEqual(sameNested.patches, [ack('e5', 4)], 'an equal value with other key order is no change');

      const unchanged = await exchange(client, 'same', 'd1', 'e6');
      assert.deepEqual(unchanged.patches, [ack('e6', 4)]);

      const nullValue = await exchange(client, 'set', 'd1', 'e7', { prop: 'title', value: null });
      assert.deepEqual(nullValue.patches, [bind('title', null, 5), ack('e7', 5)]);
      assert.equal(app.eventCalls.length, 7);
    });

    for (const [event, what] of [
      ['explode', 'a sync throw'],
      ['explodeAsync', 'an async rejection'],
      ['explodeWithString', 'a thrown non-Error'],
    ] as const) {
      test(`${what} in a handler becomes a generic handler_failed error for that event, and changes nothing`, async (t) => {
        const { server, logger } = await setUp(t);
        const client = await transport.open(server, 'client-1');
        await client.mount('Doc', 'd1');
        const failed = await exchange(client, event, 'd1', 'boom-1');
        assert.deepEqual(failed.patches, [
          {
            action: 'error',
            message: `Event "${event}" failed on the server.`,
            code: 'handler_failed',
            eventId: 'boom-1',
            type: 'Doc',
            instance: 'd1',
          },
        ]);
        assertNothingLeaks(failed);
        // The details are not lost, only kept on the server.
        const logged = logger.entries.find((entry) => entry.level === 'error' && entry.fields.event === event && String(entry.fields.eventId).length > 0);
        assert.ok(logged, 'the failure must be logged on the server');
        assert.ok(String(logged.fields.error).includes('hunter2'), 'the log keeps what was thrown');
        if (event !== 'explodeWithString') assert.ok(String(logged.fields.stack).includes('test-app'), 'the log keeps the stack');

        const next = await exchange(client, 'increment', 'd1', 'after-boom');
        assert.deepEqual(bindUpdatesOf(next).map((patch) => [patch.prop, patch.value, patch.rev]), [['count', 1, 2]]);
      });
    }

    test('a failing mount is reported as handler_failed for the mount, and creates nothing', async (t) => {
      const { app, server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      await client.send({ event: 'mount', type: 'Doc', instance: 'd1', payload: { failMount: true }, eventId: 'm-1' });
      const failed = await client.messages.next();
      assert.deepEqual(failed.patches, [
        { action: 'error', message: 'Mounting failed on the server.', code: 'handler_failed', eventId: 'm-1', type: 'Doc', instance: 'd1' },
      ]);
      assertNothingLeaks(failed);
      const refusal = await client.refuse({ event: 'increment', type: 'Doc', instance: 'd1', payload: {}, eventId: 'e-1' });
      assert.equal(refusal.code, 'not_mounted', 'a failed mount must leave no instance behind');
      // A later mount runs handler.mount again, since the instance was never created.
      await client.mount('Doc', 'd1');
      assert.equal(app.mountCalls.length, 2);
    });

    test("a NascError's message, field and code reach the client", async (t) => {
      const { server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      await client.mount('Doc', 'd1');
      const withField = await exchange(client, 'refuse', 'd1', 'r-1', { message: 'Title is too long.', field: 'title', code: 'too_long' });
      assert.deepEqual(withField.patches, [
        { action: 'error', message: 'Title is too long.', code: 'too_long', eventId: 'r-1', type: 'Doc', instance: 'd1', field: 'title' },
      ]);
      const plain = await exchange(client, 'refuse', 'd1', 'r-2', { message: 'Not now.' });
      assert.deepEqual(plain.patches, [
        { action: 'error', message: 'Not now.', code: 'rejected', eventId: 'r-2', type: 'Doc', instance: 'd1' },
      ]);
    });

    test('a duplicate eventId is applied once and answered with the same ack (or the same error)', async (t) => {
      const { app, server } = await setUp(t);
      const client = await transport.open(server, 'client-1');
      await client.mount('Doc', 'd1');
      const first = await exchange(client, 'increment', 'd1', 'dup-1');
      const ack = first.patches.find((patch) => patch.action === 'ack');
      assert.deepEqual(ack, { action: 'ack', eventId: 'dup-1', type: 'Doc', instance: 'd1', rev: 2 });

      const retried = await exchange(client, 'increment', 'd1', 'dup-1');
      assert.deepEqual(retried.patches, [ack], 'a retry gets the first ack alone, no second batch');

      // Duplicates in flight together: still one application.
      await Promise.all([
        client.send({ event: 'increment', type: 'Doc', instance: 'd1', payload: {}, eventId: 'dup-2' }),
        client.send({ event: 'increment', type: 'Doc', instance: 'd1', payload: {}, eventId: 'dup-2' }),
      ]);
      const [one, two] = [await client.messages.next(answers('dup-2')), await client.messages.next(answers('dup-2'))];
      assert.deepEqual(
        [one, two].map((message) => message.patches.map((patch) => patch.action)),
        [['bindUpdate', 'ack'], ['ack']],
      );

      const failed = await exchange(client, 'explode', 'd1', 'dup-3');
      const failedAgain = await exchange(client, 'explode', 'd1', 'dup-3');
      assert.equal(failedAgain.text, failed.text, 'a retried failure gets the same error');

      const calls = (eventId: string) => app.eventCalls.filter((call) => call.eventId === eventId).length;
      assert.deepEqual([calls('dup-1'), calls('dup-2'), calls('dup-3')], [1, 1, 1], 'each handler ran once per eventId');
      const fresh = await transport.open(server, 'client-2');
      const snapshot = await fresh.mount('Doc', 'd1');
      assert.deepEqual(
        bindUpdatesOf(snapshot).find((patch) => patch.prop === 'count'),
        { action: 'bindUpdate', type: 'Doc', instance: 'd1', prop: 'count', value: 2, rev: 3, snapshot: true },
      );
    });
  });
}
