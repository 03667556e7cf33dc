/**
 * Forged and missing session cookies. The cookie `nasc_session=v1.<id>.<mac>` is the only proof of a
 * session: an event POST without a valid one is refused, a stream without one gets a brand-new session (never
 * the id the forged cookie names), and the cookie is set HttpOnly, SameSite=Lax, Path=/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNasc } from '../../server/index.js';
import { handshake, issueSession, openAs, parseSetCookie, sessionIdOf, SESSION_COOKIE, type IssuedSession } from '../support/adversary.js';
import { postEvent } from '../support/post-event.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const TOKEN_FORMAT = /^v1\.[\w-]{22}\.[\w-]{43}$/;
const VICTIM_ID = 'victim-tab';

/** Changes one character of `text` at `index` to another of the base64url alphabet. */
function flip(text: string, index: number): string {
  const at = index < 0 ? text.length + index : index;
  const replacement = text[at] === 'A' ? 'B' : 'A';
  return `${text.slice(0, at)}${replacement}${text.slice(at + 1)}`;
}

describe('session cookies', () => {
  let app: TestApp;
  let server: TestServer;
  let otherServer: TestServer;
  let victim: IssuedSession;
  let second: IssuedSession;
  let foreign: IssuedSession;
  /** Forged cookie values, each naming the victim's session id where the format allows. */
  let forgeries: [string, string][];

  before(async () => {
    app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
    otherServer = await startTestServer({ handlers: createTestApp().handlers, sessions: { secret: 'another-secret-of-at-least-32-characters!' } });
    const cookie = sessionCookieFor(server.baseUrl)!;
    victim = { cookie, setCookie: cookie, session: sessionIdOf(cookie) };
    second = await issueSession(server);
    foreign = await issueSession(otherServer);
    const tab = await openAs('sse', server, VICTIM_ID, undefined);
    await tab.mount('Doc', 'target');

    const token = victim.cookie.slice(SESSION_COOKIE.length + 1);
    const [, id, mac] = token.split('.') as [string, string, string];
    const [, secondId, secondMac] = second.cookie.slice(SESSION_COOKIE.length + 1).split('.') as [string, string, string];
    forgeries = [
      ['a tampered MAC (last character)', `v1.${id}.${flip(mac, -1)}`],
      ['a tampered MAC (first character)', `v1.${id}.${flip(mac, 0)}`],
      ['a tampered id under the right MAC', `v1.${flip(id, 3)}.${mac}`],
      ['another session\'s MAC on the victim\'s id', `v1.${id}.${secondMac}`],
      ['the victim\'s MAC on another session\'s id', `v1.${secondId}.${mac}`],
      ['version v2', `v2.${id}.${mac}`],
      ['version V1', `V1.${id}.${mac}`],
      ['no version', `${id}.${mac}`],
      ['a truncated MAC', `v1.${id}.${mac.slice(0, -1)}`],
      ['an empty MAC', `v1.${id}.`],
      ['no MAC', `v1.${id}`],
      ['just the id', id],
      ['an extra field', `${token}.x`],
      ['an over-long MAC', `v1.${id}.${mac}${'A'.repeat(100)}`],
      ['an over-long token', `${token}${'A'.repeat(200)}`],
      ['an over-long id', `v1.${id}${'A'.repeat(10)}.${mac}`],
      ['a MAC in hex', `v1.${id}.${Buffer.from(mac, 'base64url').toString('hex')}`],
      ['a cookie signed by another secret', foreign.cookie.slice(SESSION_COOKIE.length + 1)],
      ['an empty value', ''],
      ['a quoted valid-looking value', `"v1.${id}.${flip(mac, 5)}"`],
    ];
  });
  after(async () => {
    await server.close();
    await otherServer.close();
  });

  test('a POST without any cookie → 403 no_session', async () => {
    const body = { event: 'increment', type: 'Doc', instance: 'target', payload: {}, clientId: VICTIM_ID };
    const reply = await postEvent(server.baseUrl, body, { cookie: null });
    assert.deepEqual([reply.status, reply.body.code], [403, 'no_session']);
    const other = await postEvent(server.baseUrl, body, { cookie: 'other=1' });
    assert.deepEqual([other.status, other.body.code], [403, 'no_session']);
    assert.equal(app.eventCalls.length, 0);
  });

  test('a POST with a forged cookie → 403 no_session, whatever the forgery', async () => {
    for (const [label, value] of forgeries) {
      const reply = await postEvent(
        server.baseUrl,
        { event: 'increment', type: 'Doc', instance: 'target', payload: {}, clientId: VICTIM_ID },
        { cookie: `${SESSION_COOKIE}=${value}` },
      );
      assert.deepEqual([reply.status, reply.body.code], [403, 'no_session'], label);
    }
    assert.equal(app.eventCalls.length, 0, 'an event with a forged cookie was applied');
  });

  test('a stream opened with a forged cookie gets a new session, never the one it names', async () => {
    for (const [index, [label, value]] of forgeries.entries()) {
      const response = await fetch(`${server.baseUrl}/nasc/events?clientId=forger-${index}`, { headers: { Cookie: `${SESSION_COOKIE}=${value}` } });
      const setCookie = response.headers.get('Set-Cookie');
      await response.body?.cancel();
      assert.equal(response.status, 200, label);
      assert.ok(setCookie, `${label}: no new session was issued`);
      const issued = parseSetCookie(setCookie);
      assert.equal(issued.name, SESSION_COOKIE);
      assert.match(issued.value, TOKEN_FORMAT, label);
      assert.notEqual(issued.value, value, `${label}: the forged cookie was set back`);
      assert.notEqual(sessionIdOf(issued.value), victim.session, `${label}: the forged cookie's session was adopted`);
    }
  });

  test('a forged cookie naming the victim\'s session cannot use the victim\'s client id, on either transport', async () => {
    for (const [label, value] of forgeries) {
      const cookie = `${SESSION_COOKIE}=${value}`;
      await assert.rejects(SseClient.connect(`${server.baseUrl}/nasc/events?clientId=${VICTIM_ID}`, { cookie }), (error: unknown) => {
        assert.ok(error instanceof SseRefusedError && error.status === 403, `${label}: ${String(error)}`);
        return true;
      });
      await assert.rejects(WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${VICTIM_ID}`, { cookie }), (error: unknown) => {
        assert.ok(error instanceof WsHandshakeError && error.status === 403, `${label}: ${String(error)}`);
        return true;
      });
    }
  });

  test('the first cookie wins: a valid cookie behind a forged one does not rescue the POST', async () => {
    const reply = await postEvent(
      server.baseUrl,
      { event: 'increment', type: 'Doc', instance: 'target', payload: {}, clientId: VICTIM_ID },
      { cookie: `${SESSION_COOKIE}=${forgeries[0]![1]}; ${victim.cookie}` },
    );
    assert.deepEqual([reply.status, reply.body.code], [403, 'no_session']);
  });

  test('a valid cookie is kept: no new Set-Cookie, and the POST is accepted', async () => {
    const response = await fetch(`${server.baseUrl}/nasc/events?clientId=keeper`, { headers: { Cookie: second.cookie } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Set-Cookie'), null);
    await response.body?.cancel();
    const body = { event: 'same', type: 'Doc', instance: 'target', payload: {}, clientId: 'keeper' };
    const reply = await postEvent(server.baseUrl, body, { cookie: second.cookie });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
  });

  test('a WebSocket opened without a cookie gets its session on the 101, and events posted with it are taken', async () => {
    // A page that only ever uses WS (or falls back to POSTs later) must not start a second session.
    const answer = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=ws-first`);
    assert.equal(answer.status, 101);
    const setCookie = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).find((value) => value.startsWith(`${SESSION_COOKIE}=`));
    assert.ok(setCookie, `the 101 carries the session cookie (headers: ${JSON.stringify(answer.headers)})`);
    const cookie = setCookie.split(';')[0]!;
    const body = { event: 'same', type: 'Doc', instance: 'target', payload: {}, clientId: 'ws-first' };
    const reply = await postEvent(server.baseUrl, body, { cookie });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
  });

  test('the cookie is HttpOnly, SameSite=Lax, Path=/, a session cookie, without Domain or Secure over http', () => {
    const cookie = parseSetCookie(second.setCookie);
    assert.equal(cookie.name, SESSION_COOKIE);
    assert.match(cookie.value, TOKEN_FORMAT);
    assert.equal(cookie.attributes.get('httponly'), true);
    assert.equal(cookie.attributes.get('samesite'), 'Lax');
    assert.equal(cookie.attributes.get('path'), '/');
    for (const absent of ['secure', 'domain', 'max-age', 'expires']) assert.equal(cookie.attributes.has(absent), false, absent);
  });

  test('X-Forwarded-Proto: https is not trusted: still no Secure flag over plain http', async () => {
    const response = await fetch(`${server.baseUrl}/nasc/events?clientId=proxied`, { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'on' } });
    const setCookie = response.headers.get('Set-Cookie');
    await response.body?.cancel();
    assert.ok(setCookie);
    assert.equal(parseSetCookie(setCookie).attributes.has('secure'), false);
  });

  test('session ids are random: 50 new sessions, 50 different ids and MACs', async () => {
    const ids = new Set<string>();
    const macs = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${server.baseUrl}/nasc/events`, { headers: { Accept: 'text/event-stream' } });
      // Even a refused stream (no clientId: 400) starts a session: the cookie is all we need here.
      const setCookie = response.headers.get('Set-Cookie');
      await response.body?.cancel();
      assert.ok(setCookie);
      const value = parseSetCookie(setCookie).value;
      ids.add(sessionIdOf(value));
      macs.add(value.split('.')[2]!);
    }
    assert.equal(ids.size, 50);
    assert.equal(macs.size, 50);
  });

  test('a secret shorter than 32 characters is refused at start', () => {
    assert.throws(() => createNasc({ handlers: createTestApp().handlers, sessions: { secret: 'too-short-a-secret' } }), /at least 32/);
  });
});

describe('session cookies with sameSite: None', () => {
  test('are Secure even when the request came over http (browsers need both for cross-site use)', async (t) => {
    const server = await startTestServer({
      handlers: createTestApp().handlers,
      sessions: { secret: 'nasc-test-secret-0123456789abcdefghijklmnop', cookie: { sameSite: 'None' } },
    });
    t.after(() => server.close());
    const issued = await issueSession(server);
    const cookie = parseSetCookie(issued.setCookie);
    assert.equal(cookie.attributes.get('samesite'), 'None');
    assert.equal(cookie.attributes.get('secure'), true);
    assert.equal(cookie.attributes.get('httponly'), true);
  });
});
