/**
 * WebSocket keepalive: every socket of the endpoint is pinged on one shared tick; a socket that answers stays
 * open, one that misses a pong is cut (so a vanished client does not keep its subscriptions), and the others
 * are not disturbed by it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { cookieHeader } from '../support/session-cookies.js';

function open(url: string, autoPong: boolean): Promise<WebSocket> {
  const socket = new WebSocket(url, { autoPong, headers: cookieHeader(url, undefined) });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

test('pings reach every socket; a socket that stops answering is cut, the others stay', { timeout: 30_000 }, async (t) => {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, keepAliveMs: 60 });
  t.after(() => server.close());
  const answering = await open(`${server.wsBaseUrl}/nasc/ws?clientId=keepalive-answers`, true);
  const silent = await open(`${server.wsBaseUrl}/nasc/ws?clientId=keepalive-silent`, false);
  server.defer(() => answering.terminate());
  server.defer(() => silent.terminate());
  let pingsAnswered = 0;
  let pingsIgnored = 0;
  answering.on('ping', () => (pingsAnswered += 1));
  silent.on('ping', () => (pingsIgnored += 1));
  const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));

  await waitFor(() => pingsAnswered >= 1 && pingsIgnored >= 1, 'a ping on both sockets');
  await silentClosed;
  // Only the answering socket's stream is left (the bootstrap stream of the test server went away too).
  await waitFor(() => server.nasc.engine.connectionCount === 1, 'the silent socket unregistered');
  const before = pingsAnswered;
  await waitFor(() => pingsAnswered >= before + 2, 'more pings on the answering socket');
  assert.equal(answering.readyState, WebSocket.OPEN);
});
