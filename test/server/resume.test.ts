import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { formatCursor, parseCursor } from '../../protocol/index.js';
import { MemoryStore, type NascOptions } from '../../server/index.js';
import { acks, bindUpdatesOf, isSnapshotOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { createTestApp, INITIAL_DOC } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports, type Session, type Transport } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

/** An instance id holding every character the cursor format has to encode: `/`, space, `@`, `%`, non-ASCII. */
const INSTANCE = 'list/1 @home%é';

async function setUp(t: TestContext, options: Partial<NascOptions> = {}): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, ...options });
  t.after(() => server.close());
  return server;
}

function cursorAt(rev: number): string {
  return formatCursor([{ type: 'Doc', instance: INSTANCE, rev }]);
}

/**
 * A client that mounted, saw revision 2, and went away: returns where it can resume from (the SSE `id:` of
 * its last message; on WS the cursor a client computes from the revisions it holds).
 */
async function clientThatLeftAtRev2(server: TestServer, transport: Transport): Promise<string> {
  const leaver = await transport.open(server, 'resumer');
  await leaver.mount('Doc', INSTANCE);
  await leaver.send({ event: 'increment', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'before-leaving' });
  const last = await leaver.messages.next(acks('before-leaving'));
  const cursor = leaver.transport === 'sse' ? last.id : cursorAt(2);
  assert.equal(cursor, cursorAt(2), 'the SSE id is the cursor of what the stream delivered');
  assert.deepEqual(parseCursor(cursor), [{ type: 'Doc', instance: INSTANCE, rev: 2 }], 'the cursor survives odd instance ids');
  const before = server.nasc.engine.connectionCount;
  await leaver.close();
  await waitFor(() => server.nasc.engine.connectionCount === before - 1, 'the leaving stream unregistered');
  return cursor;
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
  const how = transport.name === 'sse' ? 'Last-Event-ID' : '?cursor=';
  describe(`resume over ${transport.name} (${how})`, () => {
    test('an earlier cursor gets exactly the missed batches, in order, then live ones', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const cursor = await clientThatLeftAtRev2(server, transport);
      const missed = await changeWhileAway(other, 3);

      const resumed = await transport.open(server, 'resumer', { resumeFrom: cursor });
      for (const [index, expected] of missed.entries()) {
        const message = await resumed.messages.next(undefined, undefined, `missed batch ${index + 1}`);
        assert.equal(message.text, expected.text, `missed batch ${index + 1}, byte for byte, without anyone's ack`);
        if (transport.name === 'sse') assert.equal(message.id, cursorAt(index + 3));
      }
      await expectLiveNext(resumed, other, 6);
    });

    test('a resume larger than maxBufferedBytes reaches a fast client whole (frames held together are not a slow client)', async (t) => {
      const server = await setUp(t, { maxBufferedBytes: 64 * 1024 });
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const cursor = await clientThatLeftAtRev2(server, transport);
      // 24 batches of 8 KB: three times the limit, all written in one turn when the stream opens.
      const big = 'x'.repeat(8 * 1024);
      for (let index = 0; index < 24; index++) {
        const eventId = `big-${index}`;
        await other.send({ event: 'set', type: 'Doc', instance: INSTANCE, payload: { prop: 'title', value: `${index}${big}` }, eventId });
        await other.messages.next(acks(eventId));
      }
      const resumed = await transport.open(server, 'resumer', { resumeFrom: cursor });
      for (let index = 0; index < 24; index++) {
        const message = await resumed.messages.next(undefined, undefined, `missed batch ${index + 1}`);
        const [patch] = bindUpdatesOf(message);
        assert.equal(patch?.rev, 3 + index, `missed batch ${index + 1} in order`);
        assert.equal(patch?.value, `${index}${big}`);
      }
      await expectLiveNext(resumed, other, 27);
    });

    test('a cursor at the current revision gets nothing but stays subscribed', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const cursor = await clientThatLeftAtRev2(server, transport);
      const resumed = await transport.open(server, 'resumer', { resumeFrom: cursor });
      await expectLiveNext(resumed, other, 3);
    });

    test('a cursor older than the log gets a snapshot of the current state', async (t) => {
      const server = await setUp(t, { store: new MemoryStore({ logSize: 2 }) });
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const cursor = await clientThatLeftAtRev2(server, transport);
      // Revisions 3–7 while away; the log keeps only 6 and 7.
      await changeWhileAway(other, 5);

      const resumed = await transport.open(server, 'resumer', { resumeFrom: cursor });
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
      if (transport.name === 'sse') assert.equal(snapshot.id, cursorAt(7));
      await expectLiveNext(resumed, other, 8);
    });

    test('a cursor ahead of the server (the instance was created anew) gets a snapshot marked reset', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const resumed = await transport.open(server, 'resumer', { resumeFrom: cursorAt(40) });
      const snapshot = await resumed.messages.next();
      assert.ok(isSnapshotOf('Doc', INSTANCE)(snapshot), snapshot.text);
      assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Doc', instance: INSTANCE, rev: 1, reset: true });
      await expectLiveNext(resumed, other, 2);
    });

    test('a malformed cursor is ignored as a whole: no replay, no subscription', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const valid = cursorAt(1);
      const resumed = await transport.open(server, 'resumer', { resumeFrom: `${valid} not-a-cursor-entry` });
      await other.send({ event: 'increment', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'ignored-change' });
      await other.messages.next(acks('ignored-change'));
      // Not subscribed: an event of its own is answered by its ack alone, with nothing queued before it.
      await resumed.send({ event: 'same', type: 'Doc', instance: INSTANCE, payload: {}, eventId: 'probe' });
      assert.deepEqual((await resumed.messages.next()).patches, [{ action: 'ack', eventId: 'probe', type: 'Doc', instance: INSTANCE, rev: 2 }]);
    });

    test('a mount with rev gets the batches since that revision, without schemas; at the current rev, nothing', async (t) => {
      const server = await setUp(t);
      const other = await transport.open(server, 'other');
      await other.mount('Doc', INSTANCE);
      const missed = await changeWhileAway(other, 3);

      const client = await transport.open(server, 'holder');
      await client.send({ event: 'mount', type: 'Doc', instance: INSTANCE, payload: {}, rev: 2 });
      for (const expected of missed.slice(1)) assert.equal((await client.messages.next()).text, expected.text);
      await expectLiveNext(client, other, 5);

      const current = await transport.open(server, 'current');
      await current.send({ event: 'mount', type: 'Doc', instance: INSTANCE, payload: {}, rev: 5 });
      await expectLiveNext(current, other, 6);
    });

    if (transport.name === 'sse') {
      test('?lastEventId= resumes like the Last-Event-ID header (a client reopening its own stream sends it)', async (t) => {
        const server = await setUp(t);
        const other = await transport.open(server, 'other');
        await other.mount('Doc', INSTANCE);
        const cursor = await clientThatLeftAtRev2(server, transport);
        const missed = await changeWhileAway(other, 2);
        const url = `${server.baseUrl}/nasc/events?clientId=resumer&lastEventId=${encodeURIComponent(cursor)}`;
        const resumed = await SseClient.connect(url);
        t.after(() => resumed.close());
        assert.equal((await resumed.messages.next()).text, '[]');
        for (const expected of missed) assert.equal((await resumed.messages.next()).text, expected.text);
      });

      test('a resumed stream never resets the Last-Event-ID the browser holds before it has something newer', async (t) => {
        const server = await setUp(t);
        const other = await transport.open(server, 'other');
        await other.mount('Doc', INSTANCE);
        const cursor = await clientThatLeftAtRev2(server, transport);
        const resumed = await transport.open(server, 'resumer', { resumeFrom: cursor });
        assert.equal(resumed.transport, 'sse');
        if (resumed.transport !== 'sse') return;
        await expectLiveNext(resumed, other, 3);
        // Were the connection to drop between any two frames, the browser would reconnect with the id it holds
        // then. An empty id would resume nothing: the page would stay silently unsubscribed.
        for (const frame of resumed.sse.frames.received) {
          assert.ok(
            parseCursor(frame.lastEventId)?.some((entry) => entry.instance === INSTANCE),
            `after the frame ${JSON.stringify(frame)} the browser would hold Last-Event-ID "${frame.lastEventId}", which no longer resumes ${INSTANCE}`,
          );
        }
      });
    }
  });
}
