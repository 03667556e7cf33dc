/**
 * Which instances exist, and for how long: the app's per-type `create` rule, the per-session and per-process
 * creation limits, idle instances expiring, `deleteInstance`, and a client that held a revision of a deleted
 * instance starting over from a `reset` snapshot when its mount creates the instance anew. Over SSE and
 * WebSocket, with the memory and the SQLite store.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { MemoryStore, NascEngine, SqliteStore, type AccessRequest, type NascOptions, type Store } from '../../server/index.js';
import { issueSession, openAs } from '../support/adversary.js';
import { createMemoryLogger, type MemoryLogger } from '../support/memory-logger.js';
import { postEvent } from '../support/post-event.js';
import { acks, bindUpdatesOf, errorsOf, isSnapshotOf, snapshotMarkerOf } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

interface Fixture {
  app: TestApp;
  server: TestServer;
  store: Store;
  logger: MemoryLogger;
}

const stores: [string, () => Store][] = [
  ['memory store', () => new MemoryStore({ logger: createMemoryLogger() })],
  ['SQLite store', () => new SqliteStore({ logger: createMemoryLogger() })],
];

async function setUp(t: TestContext, makeStore: () => Store, options: Partial<NascOptions> = {}): Promise<Fixture> {
  const app = createTestApp();
  const store = makeStore();
  const logger = createMemoryLogger();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, store, logger, ...options });
  t.after(() => server.close());
  return { app, server, store, logger };
}

/** The memory and SQLite stores answer at once: what `load` says now. */
function exists(store: Store, type: string, instance: string): boolean {
  const record = store.load(type, instance);
  if (record instanceof Promise) throw new Error('a store that answers at once was expected');
  return record !== undefined;
}

for (const [storeName, makeStore] of stores) {
  for (const transport of transports) {
    describe(`instance lifecycle over ${transport.name}, ${storeName}`, () => {
      test('the type\'s create rule decides which missing instances a mount may create: 403 create_forbidden, nothing stored, mount not run', async (t) => {
        const asked: AccessRequest[] = [];
        const { app, server, store } = await setUp(t, makeStore, {
          resolveInstance: ({ session, instance }) => (instance === 'mine' ? `mine-${session}` : instance),
          instances: {
            Doc: {
              create: async (request) => {
                asked.push(request);
                return request.requested === 'mine' || request.instance.startsWith('open-');
              },
            },
            Board: { create: false },
          },
        });
        const client = await transport.open(server, 'creator');
        const refusal = await client.refuse({ event: 'mount', type: 'Doc', instance: 'closed-1', payload: {}, eventId: 'closed-mount' });
        assert.deepEqual([refusal.code, refusal.eventId], ['create_forbidden', 'closed-mount']);
        if (transport.name === 'sse') assert.equal(refusal.status, 403);
        assert.equal(exists(store, 'Doc', 'closed-1'), false, 'nothing stored');
        assert.deepEqual(app.mountCalls, [], "the handler's mount did not run");

        await client.mount('Doc', 'open-1');
        const mine = await client.mount('Doc', 'mine');
        assert.equal(snapshotMarkerOf(mine)?.instance, 'mine', 'patches name the instance as the client did');
        const session = asked.at(-1)!.session;
        assert.deepEqual(asked.at(-1), { session, clientId: 'creator', type: 'Doc', instance: `mine-${session}`, requested: 'mine', event: 'mount' });
        const askedBefore = asked.length;
        await client.mount('Doc', 'open-1');
        assert.equal(asked.length, askedBefore, 'the rule is asked only when the instance does not exist');

        // `create: false`: only instances that exist already (made by the server here) can be mounted.
        assert.equal(await store.commit('Board', 'made-by-server', { state: { cards: [] }, rev: 1, expectedRev: 0 }), true);
        await client.mount('Board', 'made-by-server');
        const board = await client.refuse({ event: 'mount', type: 'Board', instance: 'not-made', payload: {}, eventId: 'board-mount' });
        assert.equal(board.code, 'create_forbidden');
      });

      test('creations are limited per session and per process (429 with a wait); mounting an instance that exists costs nothing', async (t) => {
        // Rates so slow that nothing refills during the test: the bursts decide.
        const { server, store, logger } = await setUp(t, makeStore, {
          limits: { creationBurst: 2, creationsPerSecond: 0.001, serverCreationBurst: 3, serverCreationsPerSecond: 0.001 },
        });
        const client = await transport.open(server, 'creator');
        await client.mount('Doc', 'a1');
        await client.mount('Doc', 'a2');
        const third = await client.refuse({ event: 'mount', type: 'Doc', instance: 'a3', payload: {}, eventId: 'a3' });
        assert.deepEqual([third.code, third.eventId], ['too_many_creations', 'a3']);
        if (transport.name === 'sse') assert.equal(third.status, 429);
        else assert.ok((third.patch?.retryAfterMs ?? 0) > 0, 'the error patch says when to retry');
        assert.equal(exists(store, 'Doc', 'a3'), false);
        for (let i = 0; i < 5; i++) await client.mount('Doc', 'a1');

        // Another session has its own budget, but the process's is nearly spent: one more, then 429.
        const other = await issueSession(server);
        const stranger = await openAs(transport.name, server, 'stranger', other.cookie);
        await stranger.mount('Doc', 'b1');
        const refused = await stranger.refuse({ event: 'mount', type: 'Doc', instance: 'b2', payload: {}, eventId: 'b2' });
        assert.deepEqual([refused.code, refused.eventId], ['server_too_many_creations', 'b2']);
        assert.equal(exists(store, 'Doc', 'b2'), false);

        if (transport.name === 'sse') {
          const response = await fetch(`${server.baseUrl}/nasc/event`, {
            method: 'POST',
            headers: { Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
            body: JSON.stringify({ event: 'mount', type: 'Doc', instance: 'a4', payload: {}, clientId: 'creator' }),
          });
          assert.equal(response.status, 429);
          assert.match(response.headers.get('Retry-After') ?? '', /^[1-9]\d*$/, 'Retry-After in whole seconds');
          await response.body?.cancel();
        }
        const limits = logger.entries.filter((entry) => entry.message === 'limit reached').map((entry) => entry.fields.limit);
        assert.ok(limits.includes('creations') && limits.includes('server_creations'), `logged: ${limits.join(', ')}`);
      });

      test('idle instances expire: unchanged ones by default, changed ones when their type says; shown ones stay', async (t) => {
        const { app, server, store } = await setUp(t, makeStore, { instances: { Doc: { unchangedTtlMs: 300 }, Board: { idleTtlMs: 300 } } });
        // Shown first: had it not been kept alive, it would expire before the ones made after it.
        const watcher = await transport.open(server, 'watcher');
        await watcher.mount('Doc', 'shown');
        const leaver = await transport.open(server, 'leaver');
        await leaver.mount('Doc', 'unchanged');
        await leaver.mount('Doc', 'changed');
        await leaver.send({ event: 'increment', type: 'Doc', instance: 'changed', payload: {}, eventId: 'change-doc' });
        await leaver.messages.next(acks('change-doc'));
        await leaver.mount('Board', 'board');
        await leaver.send({ event: 'touch', type: 'Board', instance: 'board', payload: {}, eventId: 'change-board' });
        await leaver.messages.next(acks('change-board'));
        const streams = server.nasc.engine.connectionCount;
        await leaver.close();
        await waitFor(() => server.nasc.engine.connectionCount === streams - 1, 'the leaver is gone');

        await waitFor(
          () => !exists(store, 'Doc', 'unchanged') && !exists(store, 'Board', 'board'),
          'the unchanged Doc and the changed Board (idleTtlMs) expire',
        );
        assert.equal(exists(store, 'Doc', 'shown'), true, 'an instance a stream shows is kept alive');
        assert.equal(exists(store, 'Doc', 'changed'), true, 'a changed Doc has no idle lifetime');

        const mounts = app.mountCalls.length;
        await watcher.mount('Doc', 'unchanged');
        assert.equal(app.mountCalls.length, mounts + 1, 'a later mount creates it anew');
      });

      test('deleteInstance deletes it and tells the streams showing it (instance_deleted, under the name they use), which are unsubscribed', async (t) => {
        const { app, server, store } = await setUp(t, makeStore, {
          resolveInstance: ({ instance }) => (instance === 'alias' ? 'aliased' : instance),
        });
        const watcher = await transport.open(server, 'watcher');
        await watcher.mount('Doc', 'doomed');
        await watcher.mount('Doc', 'alias');
        await watcher.mount('Doc', 'other');
        await watcher.send({ event: 'increment', type: 'Doc', instance: 'doomed', payload: {}, eventId: 'before-delete' });
        await watcher.messages.next(acks('before-delete'));

        assert.equal(await server.nasc.deleteInstance('Doc', 'doomed'), true);
        const told = await watcher.messages.next((message) => errorsOf(message).length > 0, undefined, 'the deletion notice');
        assert.deepEqual(told.patches, [{ action: 'error', message: 'This instance was deleted.', code: 'instance_deleted', type: 'Doc', instance: 'doomed' }]);
        assert.equal(exists(store, 'Doc', 'doomed'), false);
        assert.equal(await store.recallOutcome('Doc', 'doomed', 'before-delete'), undefined, 'its outcomes went with it');
        assert.equal(await server.nasc.deleteInstance('Doc', 'doomed'), false, 'deleting it again finds nothing');
        const refusal = await watcher.refuse({ event: 'increment', type: 'Doc', instance: 'doomed', payload: {}, eventId: 'after-delete' });
        assert.equal(refusal.code, 'not_mounted');

        assert.equal(await server.nasc.engine.deleteInstance('Doc', 'aliased'), true);
        const aliased = await watcher.messages.next((message) => errorsOf(message).length > 0, undefined, 'the notice for the aliased instance');
        assert.equal(errorsOf(aliased)[0]?.instance, 'alias', 'named as the client names it');

        // Created anew by someone else and changed: the watcher was unsubscribed and hears nothing of it.
        const other = await transport.open(server, 'recreator');
        await other.mount('Doc', 'doomed');
        assert.equal(app.mountCalls.filter((call) => call.instance === 'doomed').length, 2);
        await other.send({ event: 'increment', type: 'Doc', instance: 'doomed', payload: {}, eventId: 'recreated-change' });
        await other.messages.next(acks('recreated-change'));
        await other.send({ event: 'increment', type: 'Doc', instance: 'other', payload: {}, eventId: 'other-change' });
        const next = await watcher.messages.next(undefined, undefined, 'the next message after the deletion');
        assert.deepEqual(
          bindUpdatesOf(next).map((patch) => patch.instance),
          ['other'],
          `the next message is the change of "other", not of the re-created instance: ${next.text}`,
        );
      });

      test('a client that held a revision of a deleted instance gets a reset snapshot when its mount creates it anew', async (t) => {
        const { server } = await setUp(t, makeStore);
        const client = await transport.open(server, 'holder');
        await client.send({ event: 'mount', type: 'Doc', instance: 'phoenix', payload: { title: 'first life' }, eventId: 'first-mount' });
        await client.messages.next(acks('first-mount'));
        await client.send({ event: 'mount', type: 'Doc', instance: 'deep', payload: {}, eventId: 'deep-mount' });
        await client.messages.next(acks('deep-mount'));
        for (let i = 0; i < 3; i++) {
          await client.send({ event: 'increment', type: 'Doc', instance: 'deep', payload: {}, eventId: `deep-${i}` });
          await client.messages.next(acks(`deep-${i}`));
        }
        await server.nasc.deleteInstance('Doc', 'phoenix');
        await server.nasc.deleteInstance('Doc', 'deep');

        // It holds revision 1, which the new instance also has: without `reset` nothing would replace the old state.
        await client.send({ event: 'mount', type: 'Doc', instance: 'phoenix', payload: { title: 'second life' }, rev: 1, eventId: 'second-mount' });
        const snapshot = await client.messages.next(isSnapshotOf('Doc', 'phoenix'), undefined, 'the snapshot of the new instance');
        assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Doc', instance: 'phoenix', rev: 1, reset: true });
        assert.equal(bindUpdatesOf(snapshot).find((patch) => patch.prop === 'title')?.value, 'second life');
        await client.messages.next(acks('second-mount'));

        await client.send({ event: 'mount', type: 'Doc', instance: 'deep', payload: {}, rev: 4, eventId: 'deep-again' });
        const deep = await client.messages.next(isSnapshotOf('Doc', 'deep'), undefined, 'the snapshot of the new deep instance');
        assert.deepEqual(snapshotMarkerOf(deep), { action: 'snapshot', type: 'Doc', instance: 'deep', rev: 1, reset: true });

        // A mount with the revision of an instance that still exists is answered as before: no reset.
        await client.send({ event: 'mount', type: 'Doc', instance: 'phoenix', payload: {}, rev: 1, eventId: 'third-mount' });
        const again = await client.messages.next(acks('third-mount'));
        assert.equal(again.patches.length, 1, `nothing missed, nothing reset: ${again.text}`);
      });
    });
  }
}

describe('instance policies are checked when the server starts', () => {
  test('a policy for a type without a handler, or a lifetime that is not a positive number, throws', async () => {
    const app = createTestApp();
    await assert.rejects(startTestServer({ handlers: app.handlers, instances: { Nope: {} } }), /type "Nope", which has no handler/);
    await assert.rejects(startTestServer({ handlers: app.handlers, instances: { Doc: { idleTtlMs: 0 } } }), /idleTtlMs must be a positive number/);
  });

  test('the expiry timer does not keep the process alive, and stops when the server closes', async (t) => {
    const timers = (): number => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const app = createTestApp();
    const before = timers();
    const engine = new NascEngine({ handlers: app.handlers, logger: createMemoryLogger(), instances: { Doc: { unchangedTtlMs: 40 } } });
    assert.equal(timers(), before, 'an unref-ed timer is not an active resource');
    await engine.shutdown();

    const rounds = (store: CountingStore): number => store.rounds;
    const closing = new CountingStore();
    const running = new CountingStore();
    const first = await startTestServer({ handlers: app.handlers, store: closing, instances: { Doc: { unchangedTtlMs: 40 } } });
    const second = await startTestServer({ handlers: app.handlers, store: running, instances: { Doc: { unchangedTtlMs: 40 } } });
    t.after(() => second.close());
    await waitFor(() => rounds(closing) > 0, 'the first server expires now and then');
    await first.close();
    const atClose = rounds(closing);
    // Five rounds of the other server, at the same pace, are time enough for a timer left running to show.
    const target = rounds(running) + 5;
    await waitFor(() => rounds(running) >= target, 'five rounds of the server still running');
    assert.equal(rounds(closing), atClose, 'no round after close');
  });
});

/** A memory store that counts the expiry rounds it was asked for. */
class CountingStore extends MemoryStore {
  rounds = 0;

  override expire(): ReturnType<MemoryStore['expire']> {
    this.rounds += 1;
    return super.expire();
  }
}

describe('posting a mount of a missing instance without a stream', () => {
  test('is refused for the stream first (409 no_stream): the creation budget is not spent', async (t) => {
    const { server } = await setUp(t, () => new MemoryStore(), { limits: { creationBurst: 1, creationsPerSecond: 0.001 } });
    const reply = await postEvent(server.baseUrl, { event: 'mount', type: 'Doc', instance: 'x', payload: {}, clientId: 'no-stream' });
    assert.equal(reply.body.code, 'no_stream');
    const client = await transports[0]!.open(server, 'with-stream');
    await client.mount('Doc', 'x');
  });
});
