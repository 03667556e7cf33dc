import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answers, type ServerMessage } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { transports, type OutgoingEvent, type Transport } from '../support/transport.js';

/**
 * One client's session: mounts, changes, no-op, failures, a retry, a class handler. Explicit eventIds, so the
 * two runs have nothing client-generated to tell them apart.
 */
const SCRIPT: OutgoingEvent[] = [
  { event: 'mount', type: 'Doc', instance: 'contract', payload: { title: 'Contract' }, eventId: 'step-mount' },
  { event: 'increment', type: 'Doc', instance: 'contract', payload: {}, eventId: 'step-1' },
  { event: 'set', type: 'Doc', instance: 'contract', payload: { prop: 'meta', value: { x: 9, note: 'é\n"q"' } }, eventId: 'step-2' },
  { event: 'remove', type: 'Doc', instance: 'contract', payload: { prop: 'tags' }, eventId: 'step-3' },
  { event: 'reorder', type: 'Doc', instance: 'contract', payload: {}, eventId: 'step-4' },
  { event: 'explode', type: 'Doc', instance: 'contract', payload: {}, eventId: 'step-5' },
  { event: 'refuse', type: 'Doc', instance: 'contract', payload: { message: 'Not like this.', field: 'title' }, eventId: 'step-6' },
  { event: 'toggle', type: 'Doc', instance: 'contract', payload: {}, eventId: 'step-7' },
  { event: 'increment', type: 'Doc', instance: 'contract', payload: {}, eventId: 'step-1' },
  { event: 'mount', type: 'Board', instance: 'contract', payload: {}, eventId: 'step-board' },
  { event: 'addCard', type: 'Board', instance: 'contract', payload: { name: 'one' }, eventId: 'step-8' },
];

/** Runs the script on a fresh server (same starting state for both transports) and returns what the client got. */
async function run(transport: Transport): Promise<string[]> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
  try {
    const client = await transport.open(server, 'contract-client');
    for (const step of SCRIPT) {
      await client.send(step);
      // A named mount ends with its ack too, so every step ends at the answer to its eventId.
      await client.messages.next(answers(step.eventId!), undefined, `the answer to ${step.eventId}`);
    }
    return client.messages.received.map((message: ServerMessage) => message.text);
  } finally {
    await server.close();
  }
}

test('one scripted session gets byte-identical messages over SSE+POST and over WS', async () => {
  const [sse, ws] = [await run(transports[0]!), await run(transports[1]!)];
  assert.deepEqual([transports[0]!.name, transports[1]!.name], ['sse', 'ws']);
  // The opening `[]`, then one message per step, two for a mount (snapshot, then ack): nothing extra.
  const mounts = SCRIPT.filter((step) => step.event === 'mount').length;
  assert.equal(sse.length, 1 + SCRIPT.length + mounts, sse.join('\n'));
  assert.deepEqual(sse, ws);
  assert.ok(sse.some((text) => text.includes('"code":"handler_failed"')) && sse.some((text) => text.includes('"field":"title"')));
});
