/**
 * `nasc.attach(server)` also takes `POST /nasc/event` straight from Node's HTTP server. Every answer must be
 * the Hono route's (status, JSON body byte for byte, the headers a client reads), every other request must
 * still reach the app, and attaching must be safe to undo, repeat, turn off and combine with the app's own
 * listeners. A client that misbehaves mid-body must cost nothing but its own request.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { BackendUnavailableError, createNasc, type NascOptions } from '../../server/index.js';
import { FailingStore } from '../support/failing-store.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { DEFAULT_TIMEOUT_MS } from '../support/message-queue.js';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { cookieHeader, rememberSessionCookie, sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer, type TestServerWiring } from '../support/test-server.js';
import { sseTransport, type SseSession } from '../support/transport.js';

const MAX_BODY = 1024;
const ALLOWED = 'https://app.example.com';
const TARGET = 'target';

/** What a client reads of an answer: the status, the headers that mean something, the body's exact text. */
interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

const COMPARED_HEADERS = ['content-type', 'retry-after', 'access-control-allow-origin', 'access-control-allow-credentials', 'vary'];

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string | null> = {};
  for (const name of COMPARED_HEADERS) headers[name] = response.headers.get(name);
  return { status: response.status, headers, body: await response.text() };
}

/** One POST of `body` to `server`'s event path; `headers` may drop the default Content-Type and Cookie with null. */
async function post(server: TestServer, body: string, headers: Record<string, string | null> = {}, chunked = false): Promise<Answer> {
  const all: Record<string, string | null> = { 'Content-Type': 'application/json', ...cookieHeader(server.baseUrl, undefined), ...headers };
  const sent = Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== null));
  const bytes = new TextEncoder().encode(body);
  const init = chunked
    ? { method: 'POST', headers: sent, duplex: 'half', body: new ReadableStream({ start: (controller) => (controller.enqueue(bytes), controller.close()) }) }
    : { method: 'POST', headers: sent, body: bytes };
  return answerOf(await fetch(`${server.baseUrl}/nasc/event`, init as RequestInit));
}

/** A Hono-route server and an attached one, each with a client on the stream that has mounted the target. */
async function pair(t: TestContext, options: Partial<NascOptions> = {}): Promise<{ route: TestServer; attached: TestServer; tabs: Map<TestServer, SseSession> }> {
  const start = async (wiring: TestServerWiring) => {
    const app = createTestApp();
    const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, maxBodyBytes: MAX_BODY, ...options }, wiring);
    t.after(() => server.close());
    return server;
  };
  const route = await start({});
  const attached = await start({ attach: {} });
  const tabs = new Map<TestServer, SseSession>();
  for (const server of [route, attached]) {
    const tab = (await sseTransport.open(server, 'tab')) as SseSession;
    await tab.mount('Doc', TARGET);
    tabs.set(server, tab);
  }
  return { route, attached, tabs };
}

function event(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ event: 'increment', type: 'Doc', instance: TARGET, payload: {}, clientId: 'tab', ...fields });
}

/** A case: a label, the body, and the headers (some depend on the server, e.g. its own origin). */
type Case = [label: string, body: string, headers?: (server: TestServer) => Record<string, string | null>, chunked?: boolean];

/** Sends each case to both servers in turn and asserts the two answers are the same. */
async function assertSameAnswers(route: TestServer, attached: TestServer, cases: readonly Case[]): Promise<Map<string, Answer>> {
  const answers = new Map<string, Answer>();
  for (const [label, body, headers, chunked] of cases) {
    const fromRoute = await post(route, body, headers?.(route), chunked);
    const fromAttach = await post(attached, body, headers?.(attached), chunked);
    assert.deepEqual(fromAttach, fromRoute, `${label}: attach answers as the Hono route does`);
    answers.set(label, fromRoute);
  }
  return answers;
}

/** A server built as an app would build it, with a middleware that counts the requests it sees. */
async function appServer(t: TestContext, mount = '/nasc'): Promise<{ server: Server; port: number; nasc: ReturnType<typeof createNasc>; seen: string[] }> {
  const app = createTestApp();
  const nasc = createNasc({ handlers: app.handlers, schemas: app.schemas, logger: createMemoryLogger(), sessions: { secret: 'nasc-test-secret-0123456789abcdefghijklmnop' } });
  const seen: string[] = [];
  const hono = new Hono();
  hono.use('*', async (c, next) => {
    seen.push(`${c.req.method} ${c.req.path}`);
    await next();
  });
  hono.route(mount, nasc.app);
  hono.get('/hello', (c) => c.text('hello'));
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve) => {
    const listening = serve({ fetch: hono.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve({ server: listening as Server, port: info.port }));
  });
  t.after(async () => {
    await nasc.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port, nasc, seen };
}

/** Writes `request` on a new TCP connection and resolves with all the server sent until it closed. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close within ${DEFAULT_TIMEOUT_MS} ms; got ${JSON.stringify(raw)}`));
    }, DEFAULT_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(raw);
    });
    socket.write(request);
  });
}

describe('event POSTs taken by nasc.attach', () => {
  test('every answer is the Hono route\'s: status, headers and JSON body byte for byte', async (t) => {
    const { route, attached } = await pair(t, { allowedOrigins: [ALLOWED] });
    const over = event({ eventId: 'big', payload: { pad: 'x'.repeat(MAX_BODY) } });
    const answers = await assertSameAnswers(route, attached, [
      ['an event', event({ eventId: 'e-1' })],
      ['the same event again (a retry)', event({ eventId: 'e-1' })],
      ['from the page\'s own origin', event({ eventId: 'e-own' }), (server) => ({ Origin: server.baseUrl, 'Sec-Fetch-Site': 'same-origin' })],
      ['from an allowed origin', event({ eventId: 'e-cors' }), () => ({ Origin: ALLOWED })],
      ['from a foreign origin', event({ eventId: 'e-evil' }), () => ({ Origin: 'https://evil.example' })],
      ['"null" origin', event({ eventId: 'e-null' }), () => ({ Origin: 'null' })],
      ['cross-site without Origin', event({ eventId: 'e-site' }), () => ({ 'Sec-Fetch-Site': 'cross-site' })],
      ['forwarded headers not trusted', event({ eventId: 'e-fwd' }), () => ({ Origin: 'https://proxy.example', 'X-Forwarded-Host': 'proxy.example', 'X-Forwarded-Proto': 'https' })],
      ['no cookie', event({ eventId: 'e-anon' }), () => ({ Cookie: null })],
      ['a forged cookie', event({ eventId: 'e-forged' }), () => ({ Cookie: 'nasc_session=forged.value' })],
      ['text/plain', event({ eventId: 'e-text' }), () => ({ 'Content-Type': 'text/plain' })],
      ['no Content-Type', event({ eventId: 'e-none' }), () => ({ 'Content-Type': null })],
      ['JSON with a charset', event({ eventId: 'e-charset' }), () => ({ 'Content-Type': 'application/json; charset=utf-8' })],
      ['declared too large', over],
      ['chunked and too large', over, undefined, true],
      ['chunked and fine', event({ eventId: 'e-chunked' }), undefined, true],
      ['not JSON', '{"event": "increment",'],
      ['empty', ''],
      ['a byte order mark before the JSON', `\ufeff${event({ eventId: 'e-bom' })}`],
      ['a prototype key', '{"__proto__": {"polluted": true}, "event": "increment"}'],
      ['no clientId', event({ eventId: 'e-noclient', clientId: undefined })],
      ['a client that has no stream', event({ eventId: 'e-ghost', clientId: 'ghost' })],
      ['an instance never mounted', event({ eventId: 'e-unmounted', instance: 'elsewhere' })],
      ['an unknown event', event({ eventId: 'e-unknown', event: 'explode' })],
      ['a lone surrogate in an id', event({ eventId: 'e-\ud800' })],
      ['non-ASCII ids', event({ eventId: 'é-"quoted"-😀' })],
    ]);
    assert.equal(answers.get('an event')?.status, 202);
    assert.equal(answers.get('from an allowed origin')?.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(answers.get('from a foreign origin')?.status, 403);
    assert.equal(answers.get('chunked and too large')?.status, 413);
    assert.equal(answers.get('a lone surrogate in an id')?.status, 400);
    assert.equal(answers.get('non-ASCII ids')?.body, '{"ok":true,"eventId":"é-\\"quoted\\"-😀"}');
  });

  test('rate limits, store failures and an unreachable backend are answered alike (429, 500, 503 with Retry-After)', async (t) => {
    const stores = new Map<TestServer, FailingStore>();
    // The mount took the first of the three.
    const { route, attached } = await pair(t, { limits: { eventsPerSecond: 0.01, eventBurst: 3 } });
    await assertSameAnswers(route, attached, [
      ['within the burst', event({ eventId: 'r-1' })],
      ['within the burst', event({ eventId: 'r-2' })],
    ]);
    // The wait counts from each client's first event, so the two servers' whole seconds may differ by one
    // on a slow machine: compared apart from the rest.
    const over = [await post(route, event({ eventId: 'r-3' })), await post(attached, event({ eventId: 'r-3' }))];
    const waits = over.map((answer) => Number(answer.headers['retry-after']));
    for (const answer of over) answer.headers['retry-after'] = null;
    assert.deepEqual(over[1], over[0], 'over the burst: attach answers as the Hono route does');
    assert.equal(over[0]!.status, 429);
    assert.ok(waits.every((wait) => Number.isInteger(wait) && wait >= 1), `Retry-After ${waits.join(', ')}`);
    assert.ok(Math.abs(waits[0]! - waits[1]!) <= 1, `Retry-After ${waits.join(', ')}`);

    const start = async (wiring: TestServerWiring) => {
      const store = new FailingStore();
      const app = createTestApp();
      const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, store }, wiring);
      t.after(() => server.close());
      stores.set(server, store);
      const tab = await sseTransport.open(server, 'tab');
      await tab.mount('Doc', TARGET);
      return server;
    };
    const failingRoute = await start({});
    const failingAttached = await start({ attach: {} });
    for (const store of stores.values()) store.failWith = new Error('disk on fire at /var/lib/secret');
    const failed = await assertSameAnswers(failingRoute, failingAttached, [['a store that throws', event({ eventId: 'f-1' })]]);
    assert.equal(failed.get('a store that throws')?.status, 500);
    assert.doesNotMatch(failed.get('a store that throws')?.body ?? '', /fire|secret/);
    for (const store of stores.values()) store.failWith = new BackendUnavailableError('Redis unavailable');
    const unavailable = await assertSameAnswers(failingRoute, failingAttached, [['no backend for its retry', event({ eventId: 'f-1' })]]);
    assert.equal(unavailable.get('no backend for its retry')?.status, 503, unavailable.get('no backend for its retry')?.body);
    assert.equal(unavailable.get('no backend for its retry')?.headers['retry-after'], '1');
    for (const store of stores.values()) store.failWith = undefined;
    const back = await assertSameAnswers(failingRoute, failingAttached, [['the retry once the store is back', event({ eventId: 'f-1' })]]);
    assert.equal(back.get('the retry once the store is back')?.status, 202);
  });

  test('the app\'s middleware does not see attached event POSTs or stream opens; every other request still reaches the app', async (t) => {
    const { server, port, nasc, seen } = await appServer(t);
    nasc.attach(server);
    const base = `http://127.0.0.1:${port}`;
    const opened = await fetch(`${base}/nasc/events?clientId=tab`);
    rememberSessionCookie(base, opened.headers.get('Set-Cookie') ?? '');
    const cookie = sessionCookieFor(base) ?? '';
    const mount = await fetch(`${base}/nasc/event`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify({ event: 'mount', type: 'Doc', instance: TARGET, payload: {}, clientId: 'tab', eventId: 'm' }),
    });
    assert.equal(mount.status, 202, await mount.text());
    await opened.body?.cancel();
    assert.equal(await (await fetch(`${base}/hello`)).text(), 'hello');
    assert.equal((await fetch(`${base}/nasc/event`)).status, 404, 'a GET of the event path is the app\'s to answer');
    const elsewhere = await fetch(`${base}/nasc/eventually`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(elsewhere.status, 404);
    assert.deepEqual(seen, ['GET /hello', 'GET /nasc/event', 'POST /nasc/eventually']);
  });

  test('eventPath: false leaves event POSTs to the Hono route; a mount elsewhere moves the event path with `path`', async (t) => {
    const off = await appServer(t);
    off.nasc.attach(off.server, { eventPath: false });
    const anonymous = await fetch(`http://127.0.0.1:${off.port}/nasc/event`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: event() });
    assert.equal(anonymous.status, 403);
    assert.deepEqual(off.seen, ['POST /nasc/event'], 'the app\'s middleware saw the event POST');
    const stream = await fetch(`http://127.0.0.1:${off.port}/nasc/events?clientId=tab`);
    await stream.body?.cancel();
    assert.deepEqual(off.seen, ['POST /nasc/event'], 'attach took the stream');
    const routed = await appServer(t);
    routed.nasc.attach(routed.server, { streamPath: false });
    const routedStream = await fetch(`http://127.0.0.1:${routed.port}/nasc/events?clientId=tab`);
    await routedStream.body?.cancel();
    assert.deepEqual(routed.seen, ['GET /nasc/events'], 'streamPath: false leaves streams to the Hono route');

    const moved = await appServer(t, '/api/nasc');
    moved.nasc.attach(moved.server, { path: '/api/nasc/ws' });
    const taken = await fetch(`http://127.0.0.1:${moved.port}/api/nasc/event`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: event() });
    assert.deepEqual([taken.status, ((await taken.json()) as { code: string }).code], [403, 'no_session']);
    assert.deepEqual(moved.seen, [], 'taken by attach: /api/nasc/ws → /api/nasc/event');

    assert.throws(() => moved.nasc.attach(moved.server, { eventPath: 'nasc/event' }), TypeError);
    assert.throws(() => moved.nasc.attach(moved.server, { eventPath: '/nasc/event?x=1' }), TypeError);
  });

  test('detach gives the server its own request listeners back, ahead of any added meanwhile; two attaches add one', async (t) => {
    const { server, port, nasc, seen } = await appServer(t);
    const own = server.listeners('request');
    const first = nasc.attach(server);
    const second = nasc.attach(server);
    assert.equal(server.listenerCount('request'), 1, 'one dispatching listener, however many attaches');
    const later = (_request: IncomingMessage, _response: ServerResponse): void => undefined;
    server.on('request', later);
    const post = () => fetch(`http://127.0.0.1:${port}/nasc/event`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: event() });
    await (await post()).body?.cancel();
    first();
    first();
    await (await post()).body?.cancel();
    assert.deepEqual(seen, [], 'still attached after one of two detaches');
    second();
    assert.deepEqual(server.listeners('request'), [...own, later]);
    await (await post()).body?.cancel();
    assert.deepEqual(seen, ['POST /nasc/event']);
    nasc.attach(server);
    await nasc.close();
    assert.deepEqual(server.listeners('request'), [...own, later], 'nasc.close() detaches too');
  });

  test('a client gone mid-body, a slow body, a bad Host and an endless chunked body: each costs only its own request', async (t) => {
    const { attached, tabs } = await pair(t);
    const tab = tabs.get(attached)!;
    const head = (length: string, extra = '') =>
      `POST /nasc/event HTTP/1.1\r\nHost: 127.0.0.1:${attached.port}\r\nContent-Type: application/json\r\n` +
      `Cookie: ${sessionCookieFor(attached.baseUrl)}\r\n${length}${extra}\r\n`;

    // Gone after 10 of 500 bytes: no answer is owed, nothing is applied.
    await new Promise<void>((resolve) => {
      const socket = net.connect(attached.port, '127.0.0.1', () => {
        socket.write(`${head('Content-Length: 500\r\n')}{"event":"i`, () => socket.destroy());
      });
      socket.on('close', () => resolve());
    });

    // A body that arrives after its headers, in three pieces: read from the stream, not Node's buffer.
    const slow = await new Promise<string>((resolve) => {
      const body = event({ eventId: 'slow' });
      const socket = net.connect(attached.port, '127.0.0.1');
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        raw += chunk;
        if (raw.includes('"ok":true')) {
          socket.destroy();
          resolve(raw);
        }
      });
      const pieces = [head(`Content-Length: ${Buffer.byteLength(body)}\r\n`), body.slice(0, 20), body.slice(20, 40), body.slice(40)];
      const next = (): void => {
        const piece = pieces.shift();
        if (piece !== undefined) socket.write(piece, () => setImmediate(next));
      };
      next();
    });
    assert.match(slow, /^HTTP\/1\.1 202 /);
    const slowAck = await tab.messages.next(acks('slow'));
    assert.equal(bindUpdatesOf(slowAck).find((patch) => patch.prop === 'count')?.value, 1, 'the cut-off event was never applied');

    const badHost = await rawExchange(attached.port, `POST /nasc/event HTTP/1.1\r\nHost: exa mple\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    assert.match(badHost, /^HTTP\/1\.1 400 /);

    // Far over the limit and never ending: refused once past it, and the connection is closed.
    const endless = await rawExchange(attached.port, `${head('Transfer-Encoding: chunked\r\n')}${'400\r\n' + 'x'.repeat(0x400) + '\r\n'}${'400\r\n' + 'x'.repeat(0x400) + '\r\n'}`);
    assert.match(endless, /^HTTP\/1\.1 413 /);
    assert.match(endless, /\r\nconnection: close\r\n/i);
    assert.match(endless, /"code":"too_large"/);

    await tab.send({ event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'after' });
    const after = await tab.messages.next(acks('after'));
    assert.equal(bindUpdatesOf(after).find((patch) => patch.prop === 'count')?.value, 2, 'the server is up and lost nothing');
  });
});
