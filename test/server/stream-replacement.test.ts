import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports, type Session } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

/** Resolves once the old stream is over, as its client sees it. */
async function endOf(session: Session): Promise<string> {
  if (session.transport === 'sse') {
    await session.sse.finished;
    return session.sse.frames.received.flatMap((frame) => frame.comments).join(' | ');
  }
  const closed = await session.ws.closed;
  return `${closed.code} ${closed.reason}`;
}

/** Server-side sockets still open: the `ws` server drops one before the route's own close handler runs. */
function openSockets(server: TestServer): number {
  return server.nasc.websocket.server.clients.size;
}

describe('stream replacement: the same clientId connecting again', () => {
  for (const oldTransport of transports) {
    for (const newTransport of transports) {
      test(`${oldTransport.name} replaced by ${newTransport.name}: the old stream is closed, a late close of it does not unregister the new one`, async (t) => {
        const app = createTestApp();
        const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
        t.after(() => server.close());
        const other = await newTransport.open(server, 'other');
        await other.mount('Doc', 'r1');

        const old = await oldTransport.open(server, 'same-client');
        await old.mount('Doc', 'r1');
        const replacement = await newTransport.open(server, 'same-client');

        const ending = await endOf(old);
        if (old.transport === 'sse') assert.match(ending, /replaced by a newer stream/);
        else assert.match(ending, /^1001 replaced by a newer stream/);

        // The late close: the old client lets go (SSE) or the close handshake finishes (WS) only now, after the
        // replacement registered. Wait until the server has really processed it.
        await old.close();
        const socketsLeft = [other, replacement].filter((session) => session.transport === 'ws').length;
        await waitFor(() => openSockets(server) === socketsLeft, 'the old socket closed on the server too');
        assert.equal(server.nasc.engine.connectionCount, 2, 'the replacement and the other client stay registered');

        // Subscriptions belong to a stream: the replacement mounts again, then gets live batches.
        const snapshot = await replacement.mount('Doc', 'r1');
        assert.deepEqual(bindUpdatesOf(snapshot).map((patch) => patch.rev), Array(5).fill(1));
        await other.send({ event: 'increment', type: 'Doc', instance: 'r1', payload: {}, eventId: 'from-other' });
        const batch = await replacement.messages.next();
        assert.deepEqual(batch.patches, [{ action: 'bindUpdate', type: 'Doc', instance: 'r1', prop: 'count', value: 1, rev: 2 }]);

        // Its own events are answered on it, ack included.
        await replacement.send({ event: 'increment', type: 'Doc', instance: 'r1', payload: {}, eventId: 'from-replacement' });
        const own = await replacement.messages.next();
        assert.ok(acks('from-replacement')(own), own.text);
        assert.equal(old.messages.unread.length, 0, 'nothing reached the replaced stream after it ended');
      });
    }
  }

  for (const transport of transports) {
    test(`closing a ${transport.name} stream unregisters it`, async (t) => {
      const app = createTestApp();
      const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      t.after(() => server.close());
      const client = await transport.open(server, 'leaving');
      await client.mount('Doc', 'r1');
      assert.equal(server.nasc.engine.connectionCount, 1);
      await client.close();
      await waitFor(() => server.nasc.engine.connectionCount === 0, 'the closed stream unregistered');
    });
  }
});
