/**
 * An event POST taken by `nasc.attach` whose body was read whole keeps its connection for the next request,
 * however soon it is answered: here each event's frame is larger than what the SSE turn batching holds back,
 * so the frame leaves at once and the 202 has nothing to wait for.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { defineHandler } from '../../server/index.js';
import { acks } from '../support/server-message.js';
import { cookieHeader } from '../support/session-cookies.js';
import { startTestServer } from '../support/test-server.js';
import { sseTransport } from '../support/transport.js';

/** Past the 16 KB the SSE turn batching holds: every frame of `grow` leaves as soon as it is written. */
const BIG = 20_000;

const Big = defineHandler<{ text: string; n: number }>({
  mount: () => ({ text: '', n: 0 }),
  grow: (_payload, state) => ({ text: String(state.n + 1).padEnd(BIG, '.'), n: state.n + 1 }),
});

/** POSTs `body` on `agent`'s keep-alive socket; resolves with the status and the `Connection` header. */
function post(port: number, agent: Agent, body: string, cookie: Record<string, string>): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path: '/nasc/event', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...cookie } },
      (incoming) => {
        incoming.resume();
        incoming.once('end', () => resolve({ status: incoming.statusCode ?? 0, connection: incoming.headers.connection }));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

test('attach: event POSTs answered at once keep their keep-alive connection', async (t) => {
  const server = await startTestServer({ handlers: { Big } }, { attach: {} });
  t.after(() => server.close());
  const tab = await sseTransport.open(server, 'big-tab');
  await tab.mount('Big', 'one');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const sockets = new Set<unknown>();
  agent.on('free', (socket) => sockets.add(socket));
  const cookie = cookieHeader(server.baseUrl, undefined);
  for (let n = 1; n <= 5; n++) {
    const body = JSON.stringify({ event: 'grow', type: 'Big', instance: 'one', payload: {}, eventId: `grow-${n}`, clientId: 'big-tab' });
    const answer = await post(server.port, agent, body, cookie);
    assert.equal(answer.status, 202);
    assert.notEqual(answer.connection, 'close', `event ${n} was answered with Connection: close`);
    await tab.messages.next(acks(`grow-${n}`));
  }
  assert.equal(sockets.size, 1, 'every event went on one socket');
});
