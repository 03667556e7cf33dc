/**
 * Off Node (other runtimes, and `app.request()` in tests) the SSE stream is the body of a web `Response`.
 * It must frame, end and clean up like the Node path does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNasc } from '../../server/index.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { createTestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

function newNasc() {
  const app = createTestApp();
  return createNasc({ handlers: app.handlers, schemas: app.schemas, logger: createMemoryLogger(), sessions: { secret: 'nasc-test-secret-0123456789abcdefghijklmnop' } });
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

test('app.request(): the stream opens with retry and [], and a client that goes away is unregistered', async (t) => {
  const nasc = newNasc();
  t.after(() => nasc.close());
  const response = await nasc.app.request('/events?clientId=web-stream-1');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('Content-Type'), 'text/event-stream; charset=utf-8');
  assert.ok(response.headers.getSetCookie().some((cookie) => cookie.startsWith('nasc_session=')), 'a new session cookie');
  const reader = response.body!.getReader();
  const text = await readUntil(reader, (seen) => seen.includes('data: []\n\n'));
  assert.match(text, /^retry: 1000\n\n/);
  assert.equal(nasc.engine.connectionCount, 1);
  await reader.cancel();
  await waitFor(() => nasc.engine.connectionCount === 0, 'the stream to be unregistered');
});

test('app.request(): closing the stream from the server ends the body with the reason as a comment', async (t) => {
  const nasc = newNasc();
  t.after(() => nasc.close());
  const response = await nasc.app.request('/events?clientId=web-stream-2');
  const reader = response.body!.getReader();
  await readUntil(reader, (seen) => seen.includes('data: []\n\n'));
  nasc.engine.disconnectAll('test:\nclosing');
  const rest = await readUntil(reader, () => false);
  assert.equal(rest, ': test: closing\n\n');
  assert.equal(nasc.engine.connectionCount, 0);
});
