/**
 * `nasc.attach(server)`: WebSockets upgraded on the HTTP server by Nasc and `ws`, not through the Hono route.
 * The socket must behave exactly like one from the route (greeting, patches, acks, bad frames, failures),
 * upgrades on other paths must be left to other listeners, and attaching must be safe to repeat, undo, and
 * combine with `serve({ websocket })`.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import { BackendUnavailableError, type NascOptions } from '../../server/index.js';
import { FailingStore } from '../support/failing-store.js';
import { handshake, parseSetCookie, sessionIdOf } from '../support/adversary.js';
import { acks, answers, answerTo, bindUpdatesOf, errorsOf, isSnapshotOf } from '../support/server-message.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { createTestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';
import { startTestServer, type TestServer, type TestServerWiring } from '../support/test-server.js';
import { headerOf, rawUpgrade } from './raw-upgrade.js';

const MAX_BODY = 1024;
const WS_MAX_PAYLOAD = 1024 * 1024;

async function setUp(t: TestContext, options: Partial<NascOptions> = {}, wiring: TestServerWiring = { attach: {} }): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, ...options }, wiring);
  t.after(() => server.close());
  return server;
}

async function connect(server: TestServer, clientId: string, path = '/nasc/ws'): Promise<WsClient> {
  const ws = await WsClient.connect(`${server.wsBaseUrl}${path}?clientId=${encodeURIComponent(clientId)}`);
  server.defer(() => ws.close());
  const greeting = await ws.messages.next(undefined, undefined, 'the opening empty patch array');
  assert.equal(greeting.text, '[]');
  return ws;
}

async function mount(ws: WsClient, instance: string): Promise<void> {
  await ws.send(JSON.stringify({ event: 'mount', type: 'Doc', instance, payload: {} }));
  await ws.messages.next(isSnapshotOf('Doc', instance), undefined, `snapshot of Doc/${instance}`);
}

/** Sends `increment` and resolves with the count its patch carries. */
async function increment(ws: WsClient, instance: string, eventId: string): Promise<unknown> {
  await ws.send(JSON.stringify({ event: 'increment', type: 'Doc', instance, payload: {}, eventId }));
  const answer = await ws.messages.next(acks(eventId), undefined, `the ack of ${eventId}`);
  return bindUpdatesOf(answer).find((patch) => patch.prop === 'count')?.value;
}

/** An `upgrade` listener of the app's own that answers every upgrade it sees with 418. */
function teapot(request: IncomingMessage, socket: Duplex): void {
  if (request.headers['x-not-for-teapot'] !== undefined) return;
  socket.end('HTTP/1.1 418 I\'m a Teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
}

describe('nasc.attach(server)', () => {
  test('a socket opens with [], a mount gets its snapshot and an event its patches and ack in one message', async (t) => {
    const server = await setUp(t);
    const ws = await connect(server, 'attach-basic');
    await mount(ws, 'basic');
    await ws.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'basic', payload: {}, eventId: 'inc-1' }));
    const answer = await ws.messages.next(acks('inc-1'));
    assert.deepEqual(bindUpdatesOf(answer).map((patch) => [patch.prop, patch.value]), [['count', 1]]);
    assert.equal(answer.patches.at(-1)?.action, 'ack');
    assert.equal(server.nasc.engine.connectionCount, 1);
    await ws.close();
    await waitFor(() => server.nasc.engine.connectionCount === 0, 'the closed socket unregistered');
  });

  test('a patch reaches every socket showing the instance, attached or over SSE', async (t) => {
    const server = await setUp(t);
    const a = await connect(server, 'fan-a');
    const b = await connect(server, 'fan-b');
    await mount(a, 'shared');
    await mount(b, 'shared');
    await increment(a, 'shared', 'fan-1');
    const seen = await b.messages.next((message) => bindUpdatesOf(message).length > 0);
    assert.deepEqual(bindUpdatesOf(seen).map((patch) => [patch.prop, patch.value]), [['count', 1]]);
    assert.equal(answerTo(seen, 'fan-1'), undefined, 'another client got the sender\'s ack');
  });

  test('a new session\'s Set-Cookie rides on the 101, and a socket opened with it stays in that session', async (t) => {
    const server = await setUp(t);
    const first = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=cookie-first`);
    assert.equal(first.status, 101);
    const setCookie = first.headers['set-cookie'];
    assert.ok(setCookie?.length === 1, `expected one Set-Cookie on the 101, got ${JSON.stringify(setCookie)}`);
    const parsed = parseSetCookie(setCookie[0]!);
    assert.equal(parsed.name, 'nasc_session');
    assert.equal(parsed.attributes.get('httponly'), true);
    assert.equal(parsed.attributes.get('samesite'), 'Lax');
    assert.equal(parsed.attributes.get('path'), '/');
    assert.equal(parsed.attributes.has('secure'), false, 'Secure over plain HTTP');
    const cookie = `${parsed.name}=${parsed.value}`;

    const again = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=cookie-again`, { Cookie: cookie });
    assert.equal(again.status, 101);
    assert.equal(again.headers['set-cookie'], undefined, 'a valid cookie got a new session');

    // The same session may replace its own tab's socket; another session may not take its client id.
    const holder = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=cookie-tab`, { cookie });
    server.defer(() => holder.close());
    const replacement = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=cookie-tab`, { cookie });
    server.defer(() => replacement.close());
    assert.equal((await holder.closed).code, 1001);
    await assert.rejects(WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=cookie-tab`, { cookie: null }), (error: unknown) => {
      assert.ok(error instanceof WsHandshakeError);
      assert.equal(error.status, 403);
      return true;
    });
    assert.ok(sessionIdOf(cookie));
  });

  test('a plain GET on the path is not an upgrade: the Hono app answers it (426 JSON)', async (t) => {
    const server = await setUp(t);
    const response = await fetch(`${server.baseUrl}/nasc/ws?clientId=plain-get`);
    assert.equal(response.status, 426);
    assert.equal(((await response.json()) as { code: string }).code, 'upgrade_required');
  });

  test('alone on the server, it answers upgrades elsewhere 404 (and a non-WebSocket upgrade of its path 426), as JSON, and closes', async (t) => {
    const server = await setUp(t);
    for (const [path, headers, status, code] of [
      ['/elsewhere', {}, 404, 'not_found'],
      ['/nasc/ws/', {}, 404, 'not_found'],
      ['/nasc/events?clientId=x', {}, 404, 'not_found'],
      ['/nasc/ws?clientId=h2c', { Upgrade: 'h2c' }, 426, 'upgrade_required'],
    ] as const) {
      const answer = await rawUpgrade(server.port, path, { headers });
      assert.equal(answer.status, status, path);
      assert.equal(headerOf(answer, 'content-type'), 'application/json', path);
      assert.equal(headerOf(answer, 'connection'), 'close', path);
      assert.equal(Number(headerOf(answer, 'content-length')), Buffer.byteLength(answer.body), path);
      assert.equal((JSON.parse(answer.body) as { code: string }).code, code, path);
    }
    assert.ok((await fetch(`${server.baseUrl}/nasc/manifest`)).ok);
  });

  test('with another upgrade listener, upgrades elsewhere are left to it', async (t) => {
    const server = await setUp(t, {}, { attach: false, honoWebsocket: false });
    server.server.on('upgrade', teapot);
    server.defer(server.nasc.attach(server.server));
    const elsewhere = await rawUpgrade(server.port, '/game');
    assert.equal(elsewhere.status, 418);
    // Its own path: the other listener answers too here, which is the app's business; with one that stays out
    // of it, Nasc upgrades.
    const ours = await rawUpgrade(server.port, '/nasc/ws?clientId=beside-teapot', { headers: { 'X-Not-For-Teapot': '1' } });
    assert.equal(ours.status, 101);
  });

  test('a frame over maxBodyBytes gets an error patch and the socket stays; over maxPayload it is closed (1009)', async (t) => {
    const server = await setUp(t, { maxBodyBytes: MAX_BODY });
    const ws = await connect(server, 'big-sender');
    await mount(ws, 'big');
    await ws.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'big', payload: { pad: 'x'.repeat(MAX_BODY) } }));
    assert.deepEqual(errorsOf(await ws.messages.next()).map((patch) => patch.code), ['too_large']);
    assert.equal(await increment(ws, 'big', 'after-too-large'), 1);

    const victim = await connect(server, 'oversized');
    victim.send('x'.repeat(WS_MAX_PAYLOAD + 1)).catch(() => undefined);
    const closed = await victim.closed;
    assert.equal(closed.code, 1009, `closed with ${closed.code} ${closed.reason}`);
    assert.equal(await increment(ws, 'big', 'after-1009'), 2);
  });

  test('a binary frame and malformed JSON get error patches, and the socket stays usable', async (t) => {
    const server = await setUp(t);
    const ws = await connect(server, 'bad-frames');
    await mount(ws, 'frames');
    await ws.send(new TextEncoder().encode(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'frames', payload: {} })));
    assert.deepEqual(errorsOf(await ws.messages.next()).map((patch) => patch.code), ['binary_frame']);
    for (const [frame, code] of [
      ['{"event":', 'bad_json'],
      ['[]', 'bad_event'],
      ['{"event":"increment","type":"Doc","instance":"frames","payload":{"__proto__":{"x":1}}}', 'forbidden_key'],
    ]) {
      await ws.send(frame!);
      const answer = await ws.messages.next();
      assert.equal(errorsOf(answer).length, 1, frame);
      if (code !== 'bad_event') assert.equal(errorsOf(answer)[0]!.code, code, frame);
    }
    assert.equal(await increment(ws, 'frames', 'after-bad-frames'), 1);
  });

  test('an event refused by the engine gets an error patch naming the event', async (t) => {
    const server = await setUp(t);
    const ws = await connect(server, 'refused');
    await ws.send(JSON.stringify({ event: 'increment', type: 'Nope', instance: 'x', payload: {}, eventId: 'unknown-type' }));
    const answer = await ws.messages.next(answers('unknown-type'));
    const [error] = errorsOf(answer);
    assert.deepEqual([error?.code, error?.type, error?.instance], ['unknown_type', 'Nope', 'x']);
  });

  test('a store failure answers internal with the event id and a wait; an unreachable store also closes 1013', async (t) => {
    const store = new FailingStore();
    const server = await setUp(t, { store });
    const ws = await connect(server, 'store-fails');
    await mount(ws, 'fragile');
    store.failWith = new Error('disk on fire at /var/lib/secret');
    await ws.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'fragile', payload: {}, eventId: 'fails-once' }));
    const failed = errorsOf(await ws.messages.next(answers('fails-once')))[0]!;
    assert.deepEqual([failed.code, failed.eventId, failed.retryAfterMs], ['internal', 'fails-once', 1_000]);
    assert.doesNotMatch(failed.message, /fire|secret/);
    store.failWith = undefined;
    assert.equal(await increment(ws, 'fragile', 'fails-once'), 1, 'the retried event applies');

    store.failWith = new BackendUnavailableError('Redis unavailable');
    await ws.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'fragile', payload: {}, eventId: 'no-backend' }));
    const unavailable = errorsOf(await ws.messages.next(answers('no-backend')))[0]!;
    assert.deepEqual([unavailable.code, unavailable.eventId, unavailable.retryAfterMs], ['backend_unavailable', 'no-backend', 1_000]);
    assert.equal((await ws.closed).code, 1013);
  });

  test('attaching one server twice adds one listener and upgrades each socket once; each detach undoes its own attach', async (t) => {
    const server = await setUp(t);
    const before = server.server.listenerCount('upgrade');
    const again = server.nasc.attach(server.server);
    assert.equal(server.server.listenerCount('upgrade'), before);
    const ws = await connect(server, 'twice');
    await mount(ws, 'twice');
    assert.equal(await increment(ws, 'twice', 'twice-1'), 1);
    again();
    again();
    await connect(server, 'after-one-detach');
    server.detach();
    assert.equal(server.server.listenerCount('upgrade'), before - 1);
  });

  test('another path, and a second path on the same server', async (t) => {
    const server = await setUp(t, {}, { attach: { path: '/api/live' } });
    await connect(server, 'custom-path', '/api/live');
    assert.equal((await rawUpgrade(server.port, '/nasc/ws?clientId=default-path')).status, 404);
    server.defer(server.nasc.attach(server.server, { path: '/nasc/ws' }));
    await connect(server, 'second-path');
    assert.throws(() => server.nasc.attach(server.server, { path: 'nasc/ws' }), TypeError);
    assert.throws(() => server.nasc.attach(server.server, { path: '/nasc/ws?x=1' }), TypeError);
  });

  test('after detach, upgrades on the path go to the other listeners only', async (t) => {
    const server = await setUp(t, {}, { attach: false, honoWebsocket: false });
    server.server.on('upgrade', teapot);
    const detach = server.nasc.attach(server.server);
    assert.equal((await rawUpgrade(server.port, '/nasc/ws?clientId=attached', { headers: { 'X-Not-For-Teapot': '1' } })).status, 101);
    detach();
    assert.equal(server.server.listenerCount('upgrade'), 1);
    assert.equal((await rawUpgrade(server.port, '/nasc/ws?clientId=detached')).status, 418);
  });

  test('with serve({ websocket }) too, each upgrade on the attached path is taken once, by attach', async (t) => {
    const logger = createMemoryLogger();
    const server = await setUp(t, { logger }, { attach: {}, honoWebsocket: true });
    assert.equal(server.server.listenerCount('upgrade'), 2);
    const ws = await connect(server, 'both-wired');
    await mount(ws, 'both');
    assert.equal(await increment(ws, 'both', 'both-1'), 1);
    assert.equal(server.nasc.engine.connectionCount, 1);
    const refused = await rawUpgrade(server.port, '/nasc/ws?clientId=both-wired', { headers: { Cookie: 'nasc_session=forged' } });
    assert.equal(refused.status, 403, 'a second session must not take the client id');
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'client_id_taken');
    assert.equal(await increment(ws, 'both', 'both-2'), 2);
    const hints = logger.entries.filter((entry) => entry.level === 'warn' && entry.message.includes('wired twice'));
    assert.equal(hints.length, 1, 'the developer hears once that app middleware cannot refuse these upgrades');
  });

  test('wired neither way, an upgrade gets a JSON 501 and the server log says what to wire, once', async (t) => {
    const logger = createMemoryLogger();
    const server = await setUp(t, { logger }, { attach: false, honoWebsocket: false });
    for (const clientId of ['unwired-1', 'unwired-2']) {
      const answer = await rawUpgrade(server.port, `/nasc/ws?clientId=${clientId}`);
      assert.equal(answer.status, 501);
      assert.equal(JSON.parse(answer.body).code, 'websocket_not_wired');
    }
    const hints = logger.entries.filter((entry) => entry.level === 'warn' && entry.message.includes('nasc.attach(server)'));
    assert.equal(hints.length, 1, JSON.stringify(logger.entries));
    // SSE, the fallback, still works on that server.
    assert.equal((await fetch(`${server.baseUrl}/nasc/manifest`)).status, 200);
  });

  test('nasc.close() closes attached sockets and stops taking upgrades', async (t) => {
    const server = await setUp(t);
    const ws = await connect(server, 'closing');
    const before = server.server.listenerCount('upgrade');
    await server.nasc.close();
    const closed = await ws.closed;
    assert.ok([1001, 1006].includes(closed.code), `closed with ${closed.code}`);
    assert.equal(server.server.listenerCount('upgrade'), before - 1);
    assert.equal(server.nasc.engine.connectionCount, 0);
  });
});
