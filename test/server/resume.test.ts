import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { MemoryStore, type NascOptions } from '../../server/index.js';
import { acks, bindUpdatesOf, isSnapshotOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import { createTestApp, INITIAL_DOC } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports, type Session, type Transport } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

/** An instance id holding characters a URL or a frame would have to escape: `/`, space, `@`, `%`, non-ASCII. */
const INSTANCE = 'list/1 @home%é';

async function setUp(t: TestContext, options: Partial<NascOptions> = {}): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, ...options });
  t.after(() => server.close());
  return server;
}

/** A client that mounted, saw revision 2, and went away (its stream closed): it holds revision 2. */
async function clientThatLeftAtRev2(server: TestServer, transport: Transport): Promise<void> {
  const leaver = await transport.open(server, 'resumer');
  await leaver.mount('Doc', INSTANCE);
  await leaver.send({ event: 'increment', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'before-leaving' });
  await leaver.messages.next(acks('before-leaving'));
  const before = server.nasc.engine.connectionCount;
  await leaver.close();
  await waitFor(() => server.nasc.engine.connectionCount === before - 1, 'the leaving stream unregistered');
}

/** Reopens the client's stream and mounts the instance again with the revision it holds, as a page does. */
async function reopenAt(server: TestServer, transport: Transport, rev: number): Promise<Session> {
  const resumed = await transport.open(server, 'resumer');
  await resumed.send({ event: 'mount', type: 'Doc', instance: INSTANCE, payload: {}, rev });
  return resumed;
}

/** Makes `count` changes through `other` and returns the batches as any subscriber gets them (no ack). */
async function changeWhileAway(other: Session, count: number): Promise<ServerMessage[]> {
  const batches: ServerMessage[] = [];
  for (let index = 0; index < count; index++) {
    const eventId = `away-${index}`;
    await other.send({ event: 'set', type: 'Doc', instance: INSTANCE, payload: { prop: 'title', value: `v${index}` }, eventId });
    const message = await other.messages.next(acks(eventId));
    batches.push({ text: JSON.stringify(bindUpdatesOf(message)), patches: bindUpdatesOf(message) });
  }
  return batches;
}

/** The next message must be the live batch of a new change: proof that nothing else was queued before it. */
async function expectLiveNext(resumed: Session, other: Session, rev: number): Promise<void> {
  await other.send({ event: 'increment', type: 'Doc', instance: INSTANCE, payload: {}, eventId: `live-${rev}` });
  const live = await resumed.messages.next();
  assert.deepEqual(
    live.patches.map((patch) => (patch.action === 'bindUpdate' ? `${patch.prop}@${patch.rev}` : patch.action)),
    [`count@${rev}`],
    `the next message must be the live change to rev ${rev}, got ${live.text}`,
  );
}

for (const transport of transports) {
  describe(`resume over ${transport.name}: a reopened stream mounts again with the revision it holds`, () => {
    test('an earlier revision gets exactly the missed batches, in order, then live ones', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      await clientThatLeftAtRev2(server, transport);
      const missed = await changeWhileAway(other, 3);

      const resumed = await reopenAt(server, transport, 2);
      for (const [index, expected] of missed.entries()) {
        const message = await resumed.messages.next(undefined, undefined, `missed batch ${index + 1}`);
        assert.equal(message.text, expected.text, `missed batch ${index + 1}, byte for byte, without anyone's ack`);
      }
      await expectLiveNext(resumed, other, 6);
    });

    test('a resume larger than maxBufferedBytes reaches a fast client whole (frames held together are not a slow client)', async (t) => {
      const server = await setUp(t, { maxBufferedBytes: 64 * 1024 });
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      await clientThatLeftAtRev2(server, transport);
      // 24 batches of 8 KB: three times the limit, all written in one turn when the mount is answered.
      const big = 'x'.repeat(8 * 1024);
      for (let index = 0; index < 24; index++) {
        const eventId = `big-${index}`;
        await other.send({ event: 'set', type: 'Doc', instance: INSTANCE, payload: { prop: 'title', value: `${index}${big}` }, eventId });
        await other.messages.next(acks(eventId));
      }
      const resumed = await reopenAt(server, transport, 2);
      for (let index = 0; index < 24; index++) {
        const message = await resumed.messages.next(undefined, undefined, `missed batch ${index + 1}`);
        const [patch] = bindUpdatesOf(message);
        assert.equal(patch?.rev, 3 + index, `missed batch ${index + 1} in order`);
        assert.equal(patch?.value, `${index}${big}`);
      }
      await expectLiveNext(resumed, other, 27);
    });

    test('at the current revision it gets nothing but stays subscribed', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      await clientThatLeftAtRev2(server, transport);
      const resumed = await reopenAt(server, transport, 2);
      await expectLiveNext(resumed, other, 3);
    });

    test('a revision older than the log gets a snapshot of the current state', async (t) => {
      const server = await setUp(t, { store: new MemoryStore({ logSize: 2 }) });
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      await clientThatLeftAtRev2(server, transport);
      // Revisions 3–7 while away; the log keeps only 6 and 7.
      await changeWhileAway(other, 5);

      const resumed = await reopenAt(server, transport, 2);
      const snapshot = await resumed.messages.next(undefined, undefined, 'the snapshot replacing the lost log');
      assert.deepEqual(
        bindUpdatesOf(snapshot),
        Object.entries({ ...INITIAL_DOC, title: 'v4', count: 1 }).map(([prop, value]) => ({
          action: 'bindUpdate',
          type: 'Doc',
          instance: INSTANCE,
          prop,
          value,
          rev: 7,
          snapshot: true,
        })),
      );
      assert.ok(isSnapshotOf('Doc', INSTANCE)(snapshot), snapshot.text);
      assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Doc', instance: INSTANCE, rev: 7 });
      await expectLiveNext(resumed, other, 8);
    });

    test('a revision ahead of the server (the instance was created anew) gets a snapshot marked reset', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const resumed = await reopenAt(server, transport, 40);
      const snapshot = await resumed.messages.next();
      assert.ok(isSnapshotOf('Doc', INSTANCE)(snapshot), snapshot.text);
      assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Doc', instance: INSTANCE, rev: 1, reset: true });
      await expectLiveNext(resumed, other, 2);
    });

    test('a reopened stream is subscribed to nothing until it mounts', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      await clientThatLeftAtRev2(server, transport);
      const reopened = await transport.open(server, 'resumer');
      await other.send({ event: 'increment', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'unseen-change' });
      await other.messages.next(acks('unseen-change'));
      // Not subscribed: an event of its own is answered by its ack alone, with nothing queued before it.
      await reopened.send({ event: 'same', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'probe' });
      assert.deepEqual((await reopened.messages.next()).patches, [{ action: 'ack', eventId: 'probe', type: 'Doc', instance: INSTANCE, rev: 3 }]);
    });
  });
}
