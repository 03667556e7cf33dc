/**
 * The public test kit (`nasc/testing`) itself: sessions and tabs, refusals before the handler, server-side
 * drops, an app served under its own path, and the same patches over both transports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import type { JsonObject } from '../../protocol/index.js';
import { createNasc, defineHandler } from '../../server/index.js';
import { RefusedError, startTestServer, transports, type TestServer, type TransportName } from '../../testing/index.js';

const Note = defineHandler<{ text: string; edits: number }>({
  mount: () => ({ text: '', edits: 0 }),
  write: (payload, state) => ({ text: String(payload.text ?? ''), edits: state.edits + 1 }),
  clear: () => ({ text: '', edits: 0 }),
});

/** `mine` means the session's own note, as the demo's `currentUser` does. */
const perSession = {
  handlers: { Note },
  resolveInstance: ({ session, type, instance }: { session: string; type: string; instance: string }) => (type === 'Note' && instance === 'mine' ? `note-${session}` : instance),
};

async function withServer<T>(options: Parameters<typeof startTestServer>[0], run: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

for (const transport of transports) {
  test(`${transport}: two tabs of one browser share its session, another browser has its own`, () =>
    withServer(perSession, async (server) => {
      const tab1 = await server.connect(transport);
      const tab2 = await server.connect(transport, { sameSessionAs: tab1 });
      const stranger = await server.connect(transport);
      assert.ok(tab1.cookie && tab1.cookie === tab2.cookie && stranger.cookie !== tab1.cookie, 'cookies: one per browser');
      assert.notEqual(tab1.clientId, tab2.clientId);
      const first = await tab1.mount('Note', 'mine');
      const second = await tab2.mount('Note', 'mine');
      const other = await stranger.mount('Note', 'mine');
      await first.expectApplied('write', { text: 'hello' });
      await second.waitFor((state) => state.text === 'hello', 'the other tab sees it');
      assert.deepEqual(other.state, { text: '', edits: 0 }, "another browser's note is its own");
    }));

  test(`${transport}: an event refused before its handler runs says why (with the HTTP status over SSE)`, () =>
    withServer({ handlers: { Note }, authorize: ({ event }) => event !== 'clear' }, async (server) => {
      const client = await server.connect(transport);
      const note = await client.mount('Note', 'n');
      const unknown = await note.expectRefused('wrtie', { text: 'x' });
      assert.equal(unknown.code, 'unknown_event');
      assert.equal(unknown.status, transport === 'sse' ? 404 : undefined);
      const forbidden = await note.expectRefused('clear');
      assert.equal(forbidden.code, 'forbidden');
      await assert.rejects(client.mount('Nope', 'n'), (error: unknown) => error instanceof RefusedError && error.outcome.code === 'unknown_type');
      await assert.rejects(note.expectApplied('clear'), RefusedError);
    }));

  test(`${transport}: after the server drops every stream, reconnect() resumes from the revision held`, () =>
    withServer({ handlers: { Note } }, async (server) => {
      const reader = await server.connect(transport);
      const writer = await server.connect(transport);
      const seen = await reader.mount('Note', 'd');
      const written = await writer.mount('Note', 'd');
      await written.expectApplied('write', { text: 'one' });
      await seen.waitForRev(2);
      server.dropConnections();
      await reader.until(() => !reader.connected, 'the stream ended');
      await writer.reconnect();
      await written.expectApplied('write', { text: 'two' });
      await reader.reconnect();
      assert.deepEqual(seen.state, { text: 'two', edits: 2 });
      assert.equal(seen.rev, 3);
      // Resumed from the log: the reader got the missed change, not a new snapshot.
      const resumed = reader.messages.slice(-2).flatMap((message) => message.patches);
      assert.ok(!resumed.some((patch) => patch.action === 'snapshot'), JSON.stringify(resumed));
    }));

  test(`${transport}: an app served as it is, under its own path`, async () => {
    const nasc = createNasc({ handlers: { Note }, sessions: { secret: 'kit-test-secret-0123456789abcdefghijkl' } });
    const app = new Hono().route('/api/nasc', nasc.app);
    await withServer({ app, nasc, path: '/api/nasc' }, async (server) => {
      assert.equal(server.base, `${server.url}/api/nasc`);
      const client = await server.connect(transport);
      const note = await client.mount('Note', 'served');
      await note.expectApplied('write', { text: 'there' });
      assert.equal(note.state.text, 'there');
    });
  });
}

/** The patches each step's sender received, over one transport, on a fresh server. */
async function script(transport: TransportName): Promise<JsonObject[]> {
  return withServer({ handlers: { Note } }, async (server) => {
    const client = await server.connect(transport);
    const note = await client.mount('Note', 'script');
    const steps: JsonObject[] = [];
    for (const text of ['a', 'b', 'b', '']) {
      const outcome = await note.send('write', { text });
      steps.push(outcome.ok ? { rev: outcome.rev, patches: outcome.patches as unknown as JsonObject[] } : { code: outcome.code });
    }
    steps.push({ snapshotState: note.state });
    return steps;
  });
}

test('both transports carry the same patches for the same events', async () => {
  const [sse, ws] = [await script('sse'), await script('ws')];
  assert.deepEqual(sse, ws);
  assert.equal(sse.length, 5);
});
