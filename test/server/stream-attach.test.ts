/**
 * `nasc.attach(server)` also takes the SSE stream's `GET /nasc/events` straight from Node's HTTP server. Every
 * answer must be the Hono route's: the stream's head and first frames, each refusal's status, headers and
 * JSON body, the session cookie issued on the way. `streamPath: false` must leave streams to the route, and
 * a stream opened through attach must work end to end (patches, resume, close).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createMemoryLogger } from '../support/memory-logger.js';
import { DEFAULT_TIMEOUT_MS } from '../support/message-queue.js';
import { bindUpdatesOf } from '../support/server-message.js';
import { cookieHeader, sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer, type TestServerWiring } from '../support/test-server.js';
import { sseTransport, type SseSession } from '../support/transport.js';
import type { NascOptions } from '../../server/index.js';

const ALLOWED = 'https://app.example.com';

/** What a client reads of an answer: the status, the headers that mean something, and the text it starts with. */
interface StreamAnswer {
  status: number;
  headers: Record<string, string | null>;
  /** A refusal's whole body, or a stream's first two frames (the `retry:` frame and the opening `[]`). */
  text: string;
}

const COMPARED_HEADERS = [
  'content-type',
  'cache-control',
  'x-accel-buffering',
  'retry-after',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'vary',
  'connection',
  'transfer-encoding',
];

/** The session cookie with its value blanked: each server signs its own ids, the attributes must match. */
function cookieShape(setCookie: string | null): string | null {
  return setCookie === null ? null : setCookie.replace(/^([^=]+)=[^;]*/, '$1=<session>');
}

/**
 * Reads up to the end of the second SSE frame. The stream stays open until the server closes (its session's
 * stream count must not depend on how soon a server notices a client that left).
 */
async function firstFrames(server: TestServer, response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
  while (text.split('\n\n').length < 3 && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  server.defer(() => reader.cancel());
  return text;
}

async function open(server: TestServer, query: string, headers: Record<string, string> = {}): Promise<StreamAnswer> {
  const response = await fetch(`${server.baseUrl}/nasc/events${query}`, { headers });
  const read: Record<string, string | null> = {};
  for (const name of COMPARED_HEADERS) read[name] = response.headers.get(name);
  read['set-cookie'] = cookieShape(response.headers.get('set-cookie'));
  const text = response.headers.get('content-type')?.startsWith('text/event-stream') ? await firstFrames(server, response) : await response.text();
  return { status: response.status, headers: read, text };
}

async function start(t: TestContext, wiring: TestServerWiring, options: Partial<NascOptions> = {}): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, logger: createMemoryLogger(), ...options }, wiring);
  t.after(() => server.close());
  return server;
}

/** A case: a label, the query and the request headers (some depend on the server: its session cookie). */
type Case = [label: string, query: string, headers?: (server: TestServer) => Record<string, string>];

async function assertSameAnswers(route: TestServer, attached: TestServer, cases: readonly Case[]): Promise<Map<string, StreamAnswer>> {
  const answers = new Map<string, StreamAnswer>();
  for (const [label, query, headers] of cases) {
    const fromRoute = await open(route, query, headers?.(route));
    const fromAttach = await open(attached, query, headers?.(attached));
    assert.deepEqual(fromAttach, fromRoute, `${label}: attach answers as the Hono route does`);
    answers.set(label, fromRoute);
  }
  return answers;
}

/** The server's session cookie, as a page that already opened a stream sends it. */
function withCookie(extra: Record<string, string> = {}): (server: TestServer) => Record<string, string> {
  return (server) => ({ ...(cookieHeader(server.baseUrl, undefined) as Record<string, string>), ...extra });
}

describe('SSE streams taken by nasc.attach', () => {
  test('every answer is the Hono route\'s: head, first frames, refusals and the session cookie', async (t) => {
    // Two streams per session: the holder's and tab-1's; every later stream of that session is the holder's
    // own again (a reopen replaces it) or over the limit.
    const options = { allowedOrigins: [ALLOWED], limits: { streamsPerSession: 2 } };
    const route = await start(t, {}, options);
    const attached = await start(t, { attach: {} }, options);
    // A session for each server (the first stream's cookie), so later cases can send one.
    for (const server of [route, attached]) {
      const tab = (await sseTransport.open(server, 'holder')) as SseSession;
      server.defer(() => tab.close());
    }
    const answers = await assertSameAnswers(route, attached, [
      ['a stream without a cookie gets one', '?clientId=fresh'],
      ['a stream with the session cookie', '?clientId=tab-1', withCookie()],
      ['a forged cookie is replaced', '?clientId=tab-2', () => ({ Cookie: 'nasc_session=forged.value' })],
      ['no clientId', '', withCookie()],
      ['no clientId and no cookie: refused, with the new session', ''],
      ['a clientId with a control character', '?clientId=a%01b', withCookie()],
      ['an empty clientId', '?clientId=', withCookie()],
      ['a clientId far too long', `?clientId=${'x'.repeat(5_000)}`, withCookie()],
      ['an allowed cross-origin page', '?clientId=holder', withCookie({ Origin: ALLOWED })],
      ['another site\'s page (no CORS headers: its script cannot read the stream)', '?clientId=holder', withCookie({ Origin: 'https://evil.example' })],
      ['over the session\'s stream limit', '?clientId=tab-5', withCookie()],
      ['over the limit, cross-origin', '?clientId=tab-6', withCookie({ Origin: ALLOWED })],
      ['a client id another session holds', '?clientId=holder', () => ({ Cookie: 'nasc_session=forged.value' })],
      ['an old client\'s Last-Event-ID (ignored)', '?clientId=holder', withCookie({ 'Last-Event-ID': 'Doc/somewhere@3' })],
      ['an old client\'s ?lastEventId= (ignored)', '?clientId=holder&lastEventId=Doc%2Fx%403', withCookie()],
    ]);
    assert.equal(answers.get('a stream without a cookie gets one')?.status, 200);
    assert.match(answers.get('a stream without a cookie gets one')?.headers['set-cookie'] ?? '', /HttpOnly/i);
    assert.equal(answers.get('no clientId')?.status, 400);
    assert.notEqual(answers.get('no clientId and no cookie: refused, with the new session')?.headers['set-cookie'], null);
    assert.equal(answers.get('an allowed cross-origin page')?.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(answers.get('over the session\'s stream limit')?.status, 429);
    assert.equal(answers.get('over the session\'s stream limit')?.headers['retry-after'], '5');
    assert.equal(answers.get('a client id another session holds')?.status, 403);
    assert.match(answers.get('a stream with the session cookie')?.text ?? '', /^retry: \d+\n\n/);
  });

  test('a stream opened through attach carries patches and is unregistered when it closes', async (t) => {
    const server = await start(t, { attach: {} });
    const tab = (await sseTransport.open(server, 'tab')) as SseSession;
    await tab.mount('Doc', 'live');
    await tab.send({ event: 'increment', type: 'Doc', instance: 'live', payload: {}, eventId: 'e1' });
    const change = await tab.messages.next((message) => bindUpdatesOf(message).length > 0, DEFAULT_TIMEOUT_MS, 'the patch');
    assert.ok(bindUpdatesOf(change).length > 0);
    const streams = server.nasc.engine.connectionCount;
    await tab.close();
    const deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    while (server.nasc.engine.connectionCount >= streams && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.nasc.engine.connectionCount, streams - 1, 'the closed stream is unregistered');
  });

  test('streamPath: false leaves streams to the Hono route; a bad Host is a JSON 400', async (t) => {
    const routeOnly = await start(t, { attach: { streamPath: false } });
    const answer = await open(routeOnly, '?clientId=tab');
    assert.equal(answer.status, 200);
    assert.ok(sessionCookieFor(routeOnly.baseUrl) !== undefined || answer.headers['set-cookie'] !== null);

    const attached = await start(t, { attach: {} });
    const raw = await new Promise<string>((resolve, reject) => {
      import('node:net')
        .then(({ connect }) => {
          const socket = connect(attached.port, '127.0.0.1');
          let text = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (text += chunk));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
          socket.write('GET /nasc/events?clientId=tab HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n');
        })
        .catch(reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /"code":"bad_request"/);
  });
});
