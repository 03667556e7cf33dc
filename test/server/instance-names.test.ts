/**
 * `resolveInstance` aliases are per (type, instance): with `Doc/me` resolved to `Doc/alice`, a page that also
 * shows `Board/alice` gets that board's patches under its own name, and its events on the board are shown. A
 * page showing one instance under two names (`Doc/me` and `Doc/alice`) gets every change under both.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

async function setUp(t: TestContext): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({
    handlers: app.handlers,
    schemas: app.schemas,
    resolveInstance: ({ type, instance }) => (type === 'Doc' && instance === 'me' ? 'alice' : instance),
  });
  t.after(() => server.close());
  return server;
}

for (const transport of transports) {
  describe(`instance names over ${transport.name}`, () => {
    test('an alias of one type never renames another type\'s instance of the same name', async (t) => {
      const server = await setUp(t);
      const page = await transport.open(server, 'page');
      await page.mount('Doc', 'me');
      const board = await page.mount('Board', 'alice');
      assert.ok(bindUpdatesOf(board).every((patch) => patch.instance === 'alice'), board.text);

      await page.send({ event: 'addCard', type: 'Board', instance: 'alice', payload: { name: 'x' }, eventId: 'card' });
      const answer = await page.messages.next(acks('card'));
      assert.deepEqual(
        answer.patches.map((patch) => `${String((patch as { type?: string }).type)}/${String((patch as { instance?: string }).instance)}`),
        ['Board/alice', 'Board/alice'],
        `the board's change and ack name the board as the page does: ${answer.text}`,
      );

      await page.send({ event: 'increment', type: 'Doc', instance: 'me', payload: {}, eventId: 'doc' });
      const doc = await page.messages.next(acks('doc'));
      assert.ok(doc.patches.every((patch) => (patch as { instance?: string }).instance === 'me'), doc.text);
    });

    test('one instance shown under two names gets each change under both', async (t) => {
      const server = await setUp(t);
      const page = await transport.open(server, 'page');
      await page.mount('Doc', 'me');
      await page.mount('Doc', 'alice');
      const editor = await transport.open(server, 'editor');
      await editor.mount('Doc', 'alice');
      await editor.send({ event: 'increment', type: 'Doc', instance: 'alice', payload: {}, eventId: 'edit' });
      await editor.messages.next(acks('edit'));
      const first = await page.messages.next((message) => message.text.includes('"count"'));
      const second = await page.messages.next((message) => message.text.includes('"count"'));
      assert.deepEqual(
        [first, second].map((message) => bindUpdatesOf(message)[0]?.instance).sort(),
        ['alice', 'me'],
      );
    });
  });
}
