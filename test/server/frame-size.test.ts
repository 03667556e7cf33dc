/**
 * What a stream receives for a change does not depend on how many instances it has mounted: a frame names no
 * position, so a session showing hundreds of long-named instances pays for an edit of a shared one exactly
 * what a stream showing only that instance pays, whoever made the edit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acks } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

/** Instances the heavy stream mounts besides the shared one, with names of the longest id allowed. */
const MOUNTED = 255;

for (const transport of transports) {
  describe(`frames over ${transport.name}`, () => {
    test(`a stream with ${MOUNTED + 1} long-named mounts gets the same bytes for an edit as a stream with one`, async (t) => {
      const app = createTestApp();
      const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      t.after(() => server.close());
      const light = await transport.open(server, 'light');
      const heavy = await transport.open(server, 'heavy');
      const editor = await transport.open(server, 'editor');
      for (const session of [light, heavy, editor]) await session.mount('Doc', 'shared');
      for (let index = 0; index < MOUNTED; index++) {
        await heavy.mount('Doc', `${String(index).padStart(3, '0')}${'名'.repeat(197)}`);
      }
      await editor.send({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId: 'edit' });
      await editor.messages.next(acks('edit'));
      const lightFrame = await light.messages.next((message) => message.text.includes('"count"'));
      const heavyFrame = await heavy.messages.next((message) => message.text.includes('"count"'));
      assert.equal(heavyFrame.text, lightFrame.text);
      if (light.transport === 'sse' && heavy.transport === 'sse') {
        const lastFrame = (raw: string) => raw.slice(raw.lastIndexOf('\n\n', raw.length - 3) + 2);
        assert.equal(lastFrame(heavy.sse.raw), lastFrame(light.sse.raw), 'the raw SSE frames are the same bytes');
        assert.equal(lastFrame(heavy.sse.raw), `data: ${heavyFrame.text}\n\n`);
      }
    });
  });
}
