/**
 * Cross-site requests: another site's page, running in the visitor's browser, sends the visitor's cookie
 * along with an event POST or a WebSocket upgrade (CSRF, cross-site WebSocket hijacking). The origin guard
 * refuses them; `allowedOrigins` lets chosen origins in, with CORS; a plain HTML form cannot send JSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { handshake, openAs } from '../support/adversary.js';
import { postEvent } from '../support/post-event.js';
import { acks } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** Origins a hostile page can have: other sites, this host on another port or scheme, look-alikes, `null`. */
function hostileOrigins(server: TestServer): string[] {
  const { port, host } = new URL(server.baseUrl);
  return [
    EVIL,
    'null',
    `http://127.0.0.1:${Number(port) + 1}`,
    `https://${host}`,
    `http://localhost:${port}`,
    `http://${host}.evil.example`,
    `${server.baseUrl}/`,
    `${server.baseUrl}@evil.example`,
    'https://app.example.com.evil.example',
    'http://app.example.com',
  ];
}

const INCREMENT = { event: 'increment', type: 'Doc', instance: 'target', payload: {} };

/** Event POSTs through the Hono route, and taken by `nasc.attach` (WebSockets then too): the same answers. */
const wirings = [
  { label: 'Hono routes', wiring: {} },
  { label: 'nasc.attach', wiring: { attach: {} } },
] as const;

for (const { label, wiring } of wirings) {
  describe(`cross-site requests to a server without allowedOrigins (${label})`, () => {
    let app: TestApp;
    let server: TestServer;
    let clientId: string;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas }, wiring);
      const tab = await openAs('sse', server, 'tab', undefined);
      clientId = tab.clientId;
      await tab.mount('Doc', 'target');
    });
    after(() => server.close());

    function handlerRan(): boolean {
      return app.eventCalls.some((call) => call.event === 'increment');
    }

    test('POST /event with a foreign Origin, carrying the visitor\'s cookie → 403 forbidden_origin, no CORS headers', async () => {
      for (const origin of hostileOrigins(server)) {
        const response = await fetch(`${server.baseUrl}/nasc/event`, {
          method: 'POST',
          headers: { Origin: origin, Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...INCREMENT, clientId }),
        });
        assert.equal(response.status, 403, origin);
        assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/);
        assert.equal((await response.json() as { code: string }).code, 'forbidden_origin', origin);
        assert.equal(response.headers.get('Access-Control-Allow-Origin'), null, origin);
        assert.equal(response.headers.get('Access-Control-Allow-Credentials'), null, origin);
      }
      assert.equal(handlerRan(), false, 'a cross-site event was applied');
    });

    test('the origin is checked first: before the cookie, the content type and the body', async () => {
      const cases: [string, Parameters<typeof postEvent>[2], string | object][] = [
        ['no cookie', { cookie: null }, { ...INCREMENT, clientId }],
        ['a form content type', { contentType: 'application/x-www-form-urlencoded' }, 'event=increment&type=Doc'],
        ['a broken body', {}, '{"event":'],
        ['an oversized body', {}, JSON.stringify({ ...INCREMENT, clientId, payload: { pad: 'x'.repeat(70_000) } })],
      ];
      for (const [label, options, body] of cases) {
        const reply = await postEvent(server.baseUrl, body, { ...options, headers: { Origin: EVIL } });
        assert.deepEqual([reply.status, reply.body.code], [403, 'forbidden_origin'], label);
      }
      assert.equal(handlerRan(), false);
    });

    test('Sec-Fetch-Site: cross-site without Origin → 403; same-origin, same-site and none pass', async () => {
      const refused = await postEvent(server.baseUrl, { ...INCREMENT, clientId }, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
      assert.deepEqual([refused.status, refused.body.code], [403, 'forbidden_origin']);
      assert.equal(handlerRan(), false);
      for (const site of ['same-origin', 'same-site', 'none']) {
        const body = { ...INCREMENT, clientId, event: 'same', eventId: `site-${site}` };
        const reply = await postEvent(server.baseUrl, body, { headers: { 'Sec-Fetch-Site': site } });
        assert.equal(reply.status, 202, `Sec-Fetch-Site: ${site}`);
      }
    });

    test('the server\'s own origin passes', async () => {
      const reply = await postEvent(server.baseUrl, { ...INCREMENT, clientId, event: 'same', eventId: 'own-origin' }, { headers: { Origin: server.baseUrl } });
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
    });

    test('what an HTML form can send (text/plain, urlencoded, multipart) → 415, even from the own origin', async () => {
      const body = JSON.stringify({ ...INCREMENT, clientId });
      const formTypes = [
        'text/plain',
        'text/plain;charset=UTF-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain; a=application/json',
      ];
      for (const contentType of formTypes) {
        const reply = await postEvent(server.baseUrl, body, { contentType, headers: { Origin: server.baseUrl } });
        assert.deepEqual([reply.status, reply.body.code], [415, 'unsupported_media_type'], contentType);
      }
      // A form with enctype=text/plain smuggling JSON in its field name.
      const smuggled = await postEvent(server.baseUrl, `${body.slice(0, -1)},"x":"=1"}`, { contentType: 'text/plain' });
      assert.deepEqual([smuggled.status, smuggled.body.code], [415, 'unsupported_media_type']);
      assert.equal(handlerRan(), false);
    });

    test('no CORS on a server without allowedOrigins: a preflight gets no Access-Control-Allow-Origin', async () => {
      const response = await fetch(`${server.baseUrl}/nasc/event`, {
        method: 'OPTIONS',
        headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      await response.body?.cancel();
      assert.equal(response.headers.get('Access-Control-Allow-Origin'), null);
      assert.equal(response.headers.get('Access-Control-Allow-Credentials'), null);
      const stream = await fetch(`${server.baseUrl}/nasc/events?clientId=cors-probe`, { headers: { Origin: EVIL } });
      assert.equal(stream.headers.get('Access-Control-Allow-Origin'), null, 'another site could read the event stream');
      await stream.body?.cancel();
    });

    test('WebSocket upgrade with a foreign Origin, carrying the visitor\'s cookie → 403, no stream registered', async () => {
      await waitFor(() => server.nasc.engine.connectionCount === 1, 'only the tab is connected');
      for (const origin of hostileOrigins(server)) {
        await assert.rejects(WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=hijack`, { headers: { Origin: origin } }), (error: unknown) => {
          assert.ok(error instanceof WsHandshakeError, `${origin}: ${String(error)}`);
          assert.equal(error.status, 403, origin);
          return true;
        });
      }
      const crossSite = WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=hijack`, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
      await assert.rejects(crossSite, (error: unknown) => {
        assert.ok(error instanceof WsHandshakeError && error.status === 403, String(error));
        return true;
      });
      assert.equal(server.nasc.engine.connectionCount, 1, 'a refused upgrade registered a stream');
      // The refused upgrades took nothing: the same client id opens from the own origin and works.
      const own = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=hijack`, { headers: { Origin: server.baseUrl } });
      await own.messages.next();
      await own.send(JSON.stringify({ ...INCREMENT, event: 'same', eventId: 'own-ws' }));
      await own.messages.next(acks('own-ws'));
      await own.close();
      assert.equal(handlerRan(), false);
    });
  });

  describe(`cross-origin pages listed in allowedOrigins (${label})`, () => {
    let server: TestServer;
    let app: TestApp;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, allowedOrigins: [ALLOWED] }, wiring);
    });
    after(() => server.close());

    test('the preflight of an allowed origin is answered with credentials; a foreign one gets no grant', async () => {
      const preflight = (origin: string) =>
        fetch(`${server.baseUrl}/nasc/event`, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
        });
      const allowed = await preflight(ALLOWED);
      await allowed.body?.cancel();
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('Access-Control-Allow-Origin'), ALLOWED);
      assert.equal(allowed.headers.get('Access-Control-Allow-Credentials'), 'true');
      assert.match(allowed.headers.get('Access-Control-Allow-Methods') ?? '', /\bPOST\b/);
      assert.match(allowed.headers.get('Access-Control-Allow-Headers') ?? '', /\bContent-Type\b/i);
      assert.match(allowed.headers.get('Vary') ?? '', /\bOrigin\b/, 'caches must key the grant on Origin');
      for (const origin of [EVIL, 'null', 'http://app.example.com', 'https://app.example.com.evil.example']) {
        const refused = await preflight(origin);
        await refused.body?.cancel();
        assert.equal(refused.headers.get('Access-Control-Allow-Origin'), null, origin);
      }
    });

    test('POST from the allowed origin → 202 with Access-Control-Allow-Origin echoed and credentials allowed', async () => {
      const tab = await openAs('sse', server, 'cors-tab', undefined, { headers: { Origin: ALLOWED } });
      assert.equal(tab.sse?.response.headers.get('Access-Control-Allow-Origin'), ALLOWED, 'the allowed page can read its stream');
      assert.equal(tab.sse?.response.headers.get('Access-Control-Allow-Credentials'), 'true');
      const mount = await postEvent(server.baseUrl, { event: 'mount', type: 'Doc', instance: 'shared', payload: {}, clientId: tab.clientId }, {
        headers: { Origin: ALLOWED },
      });
      assert.equal(mount.status, 202, JSON.stringify(mount.body));
      const response = await fetch(`${server.baseUrl}/nasc/event`, {
        method: 'POST',
        headers: { Origin: ALLOWED, Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
        body: JSON.stringify({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, clientId: tab.clientId, eventId: 'cors-1' }),
      });
      assert.equal(response.status, 202);
      assert.equal(response.headers.get('Access-Control-Allow-Origin'), ALLOWED);
      assert.equal(response.headers.get('Access-Control-Allow-Credentials'), 'true');
      assert.match(response.headers.get('Vary') ?? '', /\bOrigin\b/, 'caches must key the answer on Origin');
      await response.body?.cancel();
      await tab.messages.next(acks('cors-1'));
    });

    test('a foreign origin is still refused, and gets no CORS grant', async () => {
      const reply = await fetch(`${server.baseUrl}/nasc/event`, {
        method: 'POST',
        headers: { Origin: EVIL, Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
        body: JSON.stringify({ event: 'increment', type: 'Doc', instance: 'shared', payload: {}, clientId: 'cors-tab' }),
      });
      assert.equal(reply.status, 403);
      assert.equal((await reply.json() as { code: string }).code, 'forbidden_origin');
      assert.equal(reply.headers.get('Access-Control-Allow-Origin'), null);
      const stream = await fetch(`${server.baseUrl}/nasc/events?clientId=evil-reader`, { headers: { Origin: EVIL } });
      assert.equal(stream.headers.get('Access-Control-Allow-Origin'), null);
      await stream.body?.cancel();
      assert.equal(app.eventCalls.filter((call) => call.instance === 'shared').length, 1, 'only the allowed origin\'s event ran');
    });

    test('WebSocket upgrade: the allowed origin opens, a foreign one → 403', async () => {
      const allowed = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=cors-ws`, { Origin: ALLOWED, Cookie: sessionCookieFor(server.baseUrl)! });
      assert.equal(allowed.status, 101);
      for (const origin of [EVIL, 'null', 'http://app.example.com']) {
        const refused = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=cors-ws-evil`, { Origin: origin, Cookie: sessionCookieFor(server.baseUrl)! });
        assert.equal(refused.status, 403, origin);
      }
    });
  });
}
