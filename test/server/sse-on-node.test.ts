/**
 * On `@hono/node-server` the SSE stream is written straight to Node's response. Whatever Hono middleware
 * does around the route must still reach the stream's head (CORS, the session cookie), and a middleware
 * that sets a header after the route (which makes Hono copy the "already sent" marker into a new response)
 * must not write over the stream or end it.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, type Nasc } from '../../server/index.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { postEvent } from '../support/post-event.js';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { createTestApp } from '../support/test-app.js';

const PAGE_ORIGIN = 'https://app.example';

describe('SSE written straight to the Node response', () => {
  let nasc: Nasc;
  let server: Server;
  let baseUrl: string;
  const streams: SseClient[] = [];

  before(async () => {
    const app = createTestApp();
    nasc = createNasc({
      handlers: app.handlers,
      schemas: app.schemas,
      logger: createMemoryLogger(),
      sessions: { secret: 'nasc-test-secret-0123456789abcdefghijklmnop' },
      allowedOrigins: [PAGE_ORIGIN],
      keepAliveMs: 50,
    });
    const root = new Hono();
    // Sets a header after every route, as many middlewares do (timing, request ids, Vary).
    root.use('*', async (c, next) => {
      await next();
      c.header('X-Request-Id', 'after-the-route');
    });
    root.route('/nasc', nasc.app);
    ({ server, baseUrl } = await new Promise<{ server: Server; baseUrl: string }>((resolve) => {
      const listening = serve({ fetch: root.fetch, hostname: '127.0.0.1', port: 0, websocket: nasc.websocket }, (info: AddressInfo) =>
        resolve({ server: listening as Server, baseUrl: `http://127.0.0.1:${info.port}` }),
      );
    }));
  });

  after(async () => {
    for (const stream of streams) stream.close();
    await nasc.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the head carries the SSE headers, the CORS grant and a new session cookie; events flow; keepalives arrive', async () => {
    const stream = await SseClient.connect(`${baseUrl}/nasc/events?clientId=node-direct`, { cookie: null, headers: { Origin: PAGE_ORIGIN } });
    streams.push(stream);
    const { headers, status } = stream.response;
    assert.equal(status, 200);
    assert.equal(headers.get('Content-Type'), 'text/event-stream; charset=utf-8');
    assert.equal(headers.get('Cache-Control'), 'no-cache, no-transform');
    assert.equal(headers.get('X-Accel-Buffering'), 'no');
    assert.equal(headers.get('Access-Control-Allow-Origin'), PAGE_ORIGIN);
    assert.equal(headers.get('Access-Control-Allow-Credentials'), 'true');
    const cookie = headers.getSetCookie().find((value) => value.startsWith('nasc_session='));
    assert.ok(cookie, 'a new session cookie rides on the stream');
    const session = cookie.split(';')[0]!;

    await stream.messages.next((m) => m.patches.length === 0, 10_000, 'the opening []');
    const mount = await postEvent(baseUrl, { clientId: 'node-direct', event: 'mount', type: 'Doc', instance: 'direct', payload: {}, eventId: 'm1' }, { cookie: session, headers: { Origin: PAGE_ORIGIN } });
    assert.equal(mount.status, 202);
    await stream.messages.next(acks('m1'), 10_000, 'the mount ack');
    for (let i = 1; i <= 3; i++) {
      const reply = await postEvent(baseUrl, { clientId: 'node-direct', event: 'increment', type: 'Doc', instance: 'direct', payload: {}, eventId: `e${i}` }, { cookie: session, headers: { Origin: PAGE_ORIGIN } });
      assert.equal(reply.status, 202);
      const message = await stream.messages.next(acks(`e${i}`), 10_000, `the ack of e${i}`);
      assert.ok(bindUpdatesOf(message).length > 0, 'the batch rides with the ack');
    }
    // The shared keepalive timer reaches this stream (50 ms here).
    const comments = stream.raw.split('\n').filter((line) => line === ':').length;
    await waitForRaw(stream, (raw) => raw.split('\n').filter((line) => line === ':').length > comments);
  });

  test('closing the server ends the stream cleanly', async () => {
    const stream = await SseClient.connect(`${baseUrl}/nasc/events?clientId=node-closing`);
    streams.push(stream);
    await stream.messages.next((m) => m.patches.length === 0, 10_000, 'the opening []');
    nasc.engine.disconnectAll('test: closing');
    await stream.finished;
    assert.match(stream.raw, /: test: closing\n\n$/);
  });
});

async function waitForRaw(stream: SseClient, ready: (raw: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ready(stream.raw)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a keepalive comment');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
