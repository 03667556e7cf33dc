import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { acks, bindUpdatesOf, findAck } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { sseTransport, transports, wsTransport, type Session } from '../support/transport.js';

interface Pair {
  sse: Session;
  ws: Session;
}

async function mountedPair(t: TestContext, instance: string): Promise<Pair> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
  t.after(() => server.close());
  const sse = await sseTransport.open(server, 'sse-client');
  const ws = await wsTransport.open(server, 'ws-client');
  await sse.mount('Doc', instance);
  await ws.mount('Doc', instance);
  return { sse, ws };
}

describe('fan-out between an SSE and a WS client on one instance', () => {
  for (const senderName of ['sse', 'ws'] as const) {
    test(`an event sent over ${senderName} reaches both; the sender's message is the same batch plus its ack`, async (t) => {
      const pair = await mountedPair(t, 'shared');
      const sender = pair[senderName];
      const other = pair[senderName === 'sse' ? 'ws' : 'sse'];

      await sender.send({ event: 'set', type: 'Doc', instance: 'shared', payload: { prop: 'title', value: 'Fan' }, eventId: 'fan-1' });
      const own = await sender.messages.next();
      const seen = await other.messages.next();

      const batch = [{ action: 'bindUpdate', type: 'Doc', instance: 'shared', prop: 'title', value: 'Fan', rev: 2 }];
      const ack = { action: 'ack', eventId: 'fan-1', type: 'Doc', instance: 'shared', rev: 2 };
      assert.deepEqual(seen.patches, batch, 'the other client gets the batch alone');
      assert.deepEqual(own.patches, [...batch, ack], 'the sender gets the batch with its ack appended, in one message');
      assert.equal(own.text, `${seen.text.slice(0, -1)},${JSON.stringify(ack)}]`, 'the same batch bytes on both transports');
    });
  }

  for (const leaverName of ['sse', 'ws'] as const) {
    test(`unmount over ${leaverName} stops delivery to that client only`, async (t) => {
      const pair = await mountedPair(t, 'shared');
      const leaver = pair[leaverName];
      const stayer = pair[leaverName === 'sse' ? 'ws' : 'sse'];

      await leaver.send({ event: 'unmount', type: 'Doc', instance: 'shared', payload: {}, eventId: 'leave' });
      // An unmount answers nothing; a later event on the same stream is handled after it, so its ack proves
      // the unmount took effect before the stayer acts (a WS send resolves before the server reads it).
      await leaver.send({ event: 'same', type: 'Doc', instance: 'shared', payload: {}, eventId: 'left' });
      await leaver.messages.next(acks('left'));
      await stayer.send({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId: 'while-away' });
      const stayerSaw = await stayer.messages.next(acks('while-away'));
      assert.deepEqual(bindUpdatesOf(stayerSaw).map((patch) => patch.rev), [2]);

      // The stream is ordered and the stayer's batch was delivered before its ack: had it been sent to the
      // leaver, it would come before the leaver's own ack, which must instead be the very next message.
      await leaver.send({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId: 'after-leaving' });
      const next = await leaver.messages.next();
      assert.deepEqual(next.patches, [{ action: 'ack', eventId: 'after-leaving', type: 'Doc', instance: 'shared', rev: 3 }], 'an unmounted sender gets its ack alone, no batch');
      const stayerSawLeaver = await stayer.messages.next();
      assert.deepEqual(stayerSawLeaver.patches, [{ action: 'bindUpdate', type: 'Doc', instance: 'shared', prop: 'count', value: 2, rev: 3 }]);
      assert.equal(findAck(stayerSawLeaver, 'after-leaving'), undefined);

      // Mounting again resumes delivery.
      const snapshot = await leaver.mount('Doc', 'shared');
      assert.ok(bindUpdatesOf(snapshot).every((patch) => patch.rev === 3));
      await stayer.send({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId: 'back' });
      assert.deepEqual(bindUpdatesOf(await leaver.messages.next()).map((patch) => patch.rev), [4]);
    });
  }

  for (const transport of transports) {
    test(`over ${transport.name}, an unmount sent right after a mount wins: the client ends up unsubscribed`, async (t) => {
      const app = createTestApp();
      const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      t.after(() => server.close());
      const other = await sseTransport.open(server, 'other');
      await other.mount('Doc', 'shared');
      const client = await transport.open(server, 'quick');
      // A scope attached and detached at once. WS: two frames back to back on one socket, which the server
      // must handle in order; POST: the second request after the first answered.
      await client.send({ event: 'mount', type: 'Doc', instance: 'shared', payload: {} });
      await client.send({ event: 'unmount', type: 'Doc', instance: 'shared', payload: {} });
      await client.send({ event: 'same', type: 'Doc', instance: 'shared', payload: {}, eventId: 'probe-1' });
      await client.messages.next(acks('probe-1'));

      await other.send({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId: 'change' });
      await other.messages.next(acks('change'));
      await client.send({ event: 'same', type: 'Doc', instance: 'shared', payload: {}, eventId: 'probe-2' });
      const next = await client.messages.next();
      assert.deepEqual(
        next.patches,
        [{ action: 'ack', eventId: 'probe-2', type: 'Doc', instance: 'shared', rev: 2 }],
        'still subscribed after mount+unmount: the unmount overtook the mount queued before it ' +
          '(NascEngine.handle runs unmount at once instead of through the per-instance queue)',
      );
    });
  }
});
