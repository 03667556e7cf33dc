/**
 * The upgrade `nasc.attach(server)` takes off the HTTP server runs every check of the Hono route chain (origin,
 * session cookie, client id, stream limits, cursor), and refuses with real JSON HTTP answers. Each refusal is
 * checked against the Hono route too (same status, same headers that matter), and after all of it the server
 * is up and its state intact.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { NascOptions } from '../../server/index.js';
import { parseSetCookie, sessionIdOf } from '../support/adversary.js';
import { acks, bindUpdatesOf, isSnapshotOf } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient } from '../support/ws-client.js';
import { headerOf, rawUpgrade, type RawAnswer, type RawUpgradeOptions } from '../server/raw-upgrade.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** Taken by `nasc.attach(server)` on its default path, without the Hono route. */
const ATTACHED = { attach: {} } as const;

/** The two ways a WebSocket reaches Nasc. */
const WIRINGS = [
  ['the Hono route', (options: NascOptions) => startTestServer(options)],
  ['attach', (options: NascOptions) => startTestServer(options, ATTACHED)],
] as const;

function portOf(server: TestServer): number {
  return Number(new URL(server.baseUrl).port);
}

/** An upgrade with the test server's own session unless `headers.Cookie` says otherwise. */
function upgrade(server: TestServer, path: string, options: RawUpgradeOptions = {}): Promise<RawAnswer> {
  return rawUpgrade(portOf(server), path, { ...options, headers: { Cookie: sessionCookieFor(server.baseUrl)!, ...options.headers } });
}

/** Checks a refusal: status, and over attach a whole JSON answer with the code; no 101 ever. */
function assertRefused(answer: RawAnswer, status: number, code: string, attach: boolean, label = ''): void {
  assert.equal(answer.status, status, `${label} answered ${answer.raw.slice(0, 200)}`);
  if (!attach) return;
  assert.equal(headerOf(answer, 'content-type'), 'application/json', label);
  assert.equal(headerOf(answer, 'connection'), 'close', label);
  assert.equal(Number(headerOf(answer, 'content-length')), Buffer.byteLength(answer.body), label);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error'], label);
  assert.equal(body.code, code, label);
}

for (const [wiring, start] of WIRINGS) {
  const attach = wiring === 'attach';

  describe(`WebSocket upgrade checks through ${wiring}`, () => {
    let app: TestApp;
    let server: TestServer;
    let victim: WsClient;

    before(async () => {
      app = createTestApp();
      server = await start({ handlers: app.handlers, schemas: app.schemas, limits: { streamsPerSession: 3 } });
      victim = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=victim`);
      server.defer(() => victim.close());
      await victim.messages.next();
      await victim.send(JSON.stringify({ event: 'mount', type: 'Doc', instance: 'target', payload: {} }));
      await victim.messages.next(isSnapshotOf('Doc', 'target'));
      await victim.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'target', payload: {}, eventId: 'victim-1' }));
      await victim.messages.next(acks('victim-1'));
    });
    after(() => server.close());

    test('a foreign Origin is refused 403 forbidden_origin, the own origin upgrades', async () => {
      const { port } = new URL(server.baseUrl);
      for (const origin of [EVIL, 'null', `http://127.0.0.1:${Number(port) + 1}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`, `${server.baseUrl}/`]) {
        assertRefused(await upgrade(server, '/nasc/ws?clientId=cross', { headers: { Origin: origin } }), 403, 'forbidden_origin', attach, origin);
      }
      assert.equal((await upgrade(server, '/nasc/ws?clientId=same', { headers: { Origin: server.baseUrl } })).status, 101);
    });

    test('without Origin, Sec-Fetch-Site: cross-site is refused; same-origin and none upgrade', async () => {
      assertRefused(await upgrade(server, '/nasc/ws?clientId=fetch-site', { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'forbidden_origin', attach);
      for (const site of ['same-origin', 'none']) {
        assert.equal((await upgrade(server, '/nasc/ws?clientId=fetch-site', { headers: { 'Sec-Fetch-Site': site } })).status, 101, site);
      }
    });

    test('no cookie, or a forged, garbage or foreign one: a fresh session on the 101, never the one named', async () => {
      const real = sessionCookieFor(server.baseUrl)!;
      const token = real.slice(real.indexOf('=') + 1);
      const [, id, mac] = token.split('.');
      const forgedId = 'AAAAAAAAAAAAAAAAAAAAAA';
      for (const cookie of [
        null,
        'nasc_session=garbage',
        `nasc_session=v1.${forgedId}.${mac}`,
        `nasc_session=v1.${id}.${mac!.slice(0, -2)}xx`,
        `nasc_session=v2.${id}.${mac}`,
        `nasc_session=${token}.extra`,
        `nasc_session=${'x'.repeat(4000)}`,
        `other=1; nasc_session="v1.${id}"`,
      ]) {
        const answer = await upgrade(server, '/nasc/ws?clientId=forged', { headers: { Cookie: cookie } });
        assert.equal(answer.status, 101, String(cookie));
        const setCookie = headerOf(answer, 'set-cookie');
        assert.ok(setCookie, `no new session for ${String(cookie)}`);
        const session = sessionIdOf(parseSetCookie(setCookie).value);
        assert.notEqual(session, forgedId);
        assert.notEqual(session, id);
      }
      const kept = await upgrade(server, '/nasc/ws?clientId=kept');
      assert.equal(kept.status, 101);
      assert.equal(headerOf(kept, 'set-cookie'), undefined);
    });

    test('a missing, empty or control-character clientId is refused 400 bad_client_id', async () => {
      for (const query of ['', '?clientId=', '?clientId=a%00b', '?clientId=a%0Ab', '?clientId=%E2%80%A8', `?clientId=${'x'.repeat(201)}`]) {
        assertRefused(await upgrade(server, `/nasc/ws${query}`), 400, 'bad_client_id', attach, query);
      }
    });

    test('a client id held by another session is refused 403 client_id_taken, and its holder keeps it', async () => {
      assertRefused(await upgrade(server, '/nasc/ws?clientId=victim', { headers: { Cookie: null } }), 403, 'client_id_taken', attach);
      await victim.send(JSON.stringify({ event: 'same', type: 'Doc', instance: 'target', payload: {}, eventId: 'still-held' }));
      await victim.messages.next(acks('still-held'));
    });

    test('over streamsPerSession: 429 too_many_streams with Retry-After', async () => {
      // The victim holds one of the session's three streams; the sockets of earlier tests are gone.
      await waitFor(() => server.nasc.engine.connectionCount === 1, 'only the victim\'s stream is open');
      const tabs: WsClient[] = [];
      for (const clientId of ['tab-1', 'tab-2']) {
        const tab = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${clientId}`);
        server.defer(() => tab.close());
        tabs.push(tab);
      }
      const answer = await upgrade(server, '/nasc/ws?clientId=tab-3');
      assertRefused(answer, 429, 'too_many_streams', attach);
      assert.equal(headerOf(answer, 'retry-after'), '5');
      // A tab replacing its own stream always may.
      assert.equal((await upgrade(server, '/nasc/ws?clientId=tab-1')).status, 101);
      for (const tab of tabs) await tab.close();
    });

    test('an old client\'s hostile ?cursor= is ignored, never an error', async () => {
      for (const cursor of [
        'garbage',
        'Doc/target@-1',
        'Doc/target@99999999999999999999',
        'Nope/x@1 __proto__/constructor@1',
        `Doc/${encodeURIComponent('a\u0000b')}@1`,
        Array.from({ length: 300 }, (_, index) => `Doc/i${index}@1`).join(' '),
        '%E0%A4%A',
        'Doc/target@1'.repeat(500),
      ]) {
        const ws = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=cursor&cursor=${encodeURIComponent(cursor)}`);
        assert.equal((await ws.messages.next()).text, '[]', cursor);
        await ws.close();
      }
    });

    test('the server is up and the state intact after all of that', async () => {
      await victim.send(JSON.stringify({ event: 'increment', type: 'Doc', instance: 'target', payload: {}, eventId: 'victim-2' }));
      const answer = await victim.messages.next(acks('victim-2'));
      assert.deepEqual(bindUpdatesOf(answer).map((patch) => [patch.prop, patch.value]), [['count', 2]]);
      const increments = app.eventCalls.filter((call) => call.event === 'increment');
      assert.deepEqual(increments.map((call) => call.eventId), ['victim-1', 'victim-2']);
    });
  });
}

describe('attach: refusals only it makes, and hostile handshakes', () => {
  let app: TestApp;
  let server: TestServer;
  let port: number;

  before(async () => {
    app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, schemas: app.schemas }, ATTACHED);
    port = portOf(server);
  });
  after(() => server.close());

  test('a Host that is not a host → 400, as @hono/node-server answers it', async () => {
    for (const host of ['evil/..', 'a@b', 'a b', '[::1']) {
      assertRefused(await upgrade(server, '/nasc/ws?clientId=host', { headers: { Host: host } }), 400, 'bad_request', true, host);
    }
  });

  test('a malformed handshake (key, version) → 400 bad_handshake as JSON', async () => {
    const malformed: Record<string, string | null>[] = [{ 'Sec-WebSocket-Key': 'short' }, { 'Sec-WebSocket-Key': null }, { 'Sec-WebSocket-Version': '12' }];
    for (const headers of malformed) {
      assertRefused(await upgrade(server, '/nasc/ws?clientId=handshake', { headers }), 400, 'bad_handshake', true, JSON.stringify(headers));
    }
  });

  test('a POST upgrade is not a WebSocket: 404', async () => {
    assertRefused(await upgrade(server, '/nasc/ws?clientId=post', { method: 'POST' }), 404, 'not_found', true);
  });

  test('clients that hang up mid-handshake or mid-refusal crash nothing', async () => {
    const requests = [
      `GET /nasc/ws?clientId=gone HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      `GET /nasc/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nOrigin: ${EVIL}\r\n\r\n`,
      `GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    ];
    await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(requests[index % requests.length]!);
            if (index % 2 === 0) socket.resetAndDestroy();
            else socket.destroy();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
      ),
    );
    assert.equal((await upgrade(server, '/nasc/ws?clientId=after-hangups')).status, 101);
  });

  test('a failure inside the upgrade (a __Host- cookie over plain HTTP) → 500 internal, nothing leaked, server up', async () => {
    const broken = await startTestServer({ handlers: app.handlers, sessions: { secret: 'another-test-secret-0123456789abcdef', cookie: { name: '__Host-nasc' } } }, ATTACHED);
    try {
      const answer = await rawUpgrade(portOf(broken), '/nasc/ws?clientId=host-cookie');
      assertRefused(answer, 500, 'internal', true);
      assert.doesNotMatch(answer.raw, /__Host-|Secure|at \w+ \(/);
      assert.equal((await rawUpgrade(portOf(broken), '/nasc/ws?clientId=host-cookie')).status, 500);
      assert.ok((await fetch(`${broken.baseUrl}/nasc/manifest`)).ok);
    } finally {
      await broken.close();
    }
  });
});

describe('attach with allowedOrigins and trustProxy', () => {
  let server: TestServer;

  before(async () => {
    const app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, allowedOrigins: [ALLOWED], trustProxy: true }, ATTACHED);
  });
  after(() => server.close());

  test('an allowed origin upgrades; others stay refused', async () => {
    assert.equal((await upgrade(server, '/nasc/ws?clientId=allowed', { headers: { Origin: ALLOWED } })).status, 101);
    for (const origin of [EVIL, 'http://app.example.com', 'https://app.example.com.evil.example']) {
      assertRefused(await upgrade(server, '/nasc/ws?clientId=not-allowed', { headers: { Origin: origin } }), 403, 'forbidden_origin', true, origin);
    }
  });

  test('behind a trusted proxy the public origin is the own one, and a new session\'s cookie is Secure', async () => {
    const headers = { Origin: 'https://public.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'public.example', Cookie: null };
    const answer = await upgrade(server, '/nasc/ws?clientId=proxied', { headers });
    assert.equal(answer.status, 101);
    assert.equal(parseSetCookie(headerOf(answer, 'set-cookie')!).attributes.get('secure'), true);
    assertRefused(await upgrade(server, '/nasc/ws?clientId=proxied', { headers: { ...headers, 'X-Forwarded-Host': 'other.example' } }), 403, 'forbidden_origin', true);
  });
});
