/**
 * `POST /nasc/form`, the way in for pages without JavaScript: a plain form post that any site could make
 * without a CORS preflight, so every check that stands between another site and the session's state is
 * tried here as an attacker would.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hono } from 'hono';
import { defineHandler, NascError, type NascOptions } from '../../server/index.js';
import { buttonValue } from '../../server/endpoints/form-post.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { renderingApp } from '../support/rendering-app.js';

const OWN = 'http://localhost';

interface Profile {
  name: string;
  renames: number;
}

function setUp(options: Partial<NascOptions> = {}) {
  const Profile = defineHandler<Profile>({
    mount: () => ({ name: 'Guest', renames: 0 }),
    rename(payload, state) {
      const name = typeof payload.name === 'string' ? payload.name.trim() : '';
      if (!name) throw new NascError('Enter a name.', { field: 'name' });
      return { name, renames: state.renames + 1 };
    },
  });
  const page = '<html><body><na-scope type="Profile" instance="mine"><h1><na-bind prop="name"></na-bind></h1><p><na-bind prop="$errors.name"></na-bind></p><form na-submit="rename"><input name="name"></form></na-scope></body></html>';
  const { app, nasc } = renderingApp({ Profile }, () => page, options);
  return { app, nasc };
}

/** A first visit: the session cookie (`name=value`) and the form's address on the page. */
async function visit(app: Hono): Promise<{ cookie: string; action: string; session: string }> {
  const response = await app.request('/');
  const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
  const action = /action="([^"]+)"/.exec(await response.text())![1]!.replace(/&amp;/g, '&');
  return { cookie, action, session: cookie.split('.')[1]! };
}

interface Post {
  headers?: Record<string, string>;
  body?: string;
}

async function post(app: Hono, action: string, cookie: string | undefined, { headers = {}, body = 'name=Ada' }: Post = {}): Promise<Response> {
  return app.request(action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: OWN, ...(cookie ? { Cookie: cookie } : {}), ...headers },
    body,
  });
}

async function nameOf(nasc: ReturnType<typeof setUp>['nasc'], session: string): Promise<string | undefined> {
  return (await nasc.engine.store.load('Profile', `p-${session}`))?.state.name as string | undefined;
}

async function refusedWith(response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status, `status of ${code}`);
  assert.equal(((await response.json()) as { code: string }).code, code);
}

describe('POST /nasc/form', () => {
  test('a form of the page applies its event as the session and sends the browser back to the page (303)', async () => {
    const { app, nasc } = setUp();
    const { cookie, action, session } = await visit(app);
    const answer = await post(app, action, cookie);
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/');
    assert.equal(await nameOf(nasc, session), 'Ada');
    // The same form posted again (a double click, a resubmission): the event id applies once.
    await post(app, action, cookie, { body: 'name=Bea' });
    assert.equal(await nameOf(nasc, session), 'Ada');
  });

  test('only a page of this server may post: another site, another origin of this site, or no word on it, are refused', async () => {
    const { app, nasc } = setUp();
    const { cookie, action, session } = await visit(app);
    const refusals: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'http://localhost:8080' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'null' },
      { Origin: '' },
    ];
    for (const headers of refusals) await refusedWith(await post(app, action, cookie, { headers }), 403, 'forbidden_origin');
    // Without Origin at all: only a browser's own word that the page is this origin's lets it through.
    const bare = await app.request(action, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie }, body: 'name=Eve' });
    await refusedWith(bare, 403, 'forbidden_origin');
    assert.equal(await nameOf(nasc, session), 'Guest', 'nothing was applied');
    // A page whose referrer policy hides its origin (`Origin: null`), posting from this origin.
    const hidden = await post(app, action, cookie, { headers: { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(hidden.status, 303);
    assert.equal(await nameOf(nasc, session), 'Ada');
  });

  test('the session cookie is required and never issued here; a forged one is no session', async () => {
    const { app, nasc } = setUp();
    const { cookie, action, session } = await visit(app);
    await refusedWith(await post(app, action, undefined), 403, 'no_session');
    await refusedWith(await post(app, action, `${cookie.slice(0, -2)}xx`), 403, 'no_session');
    assert.equal((await post(app, action, undefined)).headers.getSetCookie().length, 0);
    assert.equal(await nameOf(nasc, session), 'Guest');
  });

  test('only form bodies of bounded size; the target must be an event of this server, and the way back one of its pages', async () => {
    const { app, nasc } = setUp();
    const { cookie, action, session } = await visit(app);
    await refusedWith(await post(app, action, cookie, { headers: { 'Content-Type': 'application/json' }, body: '{"name":"Eve"}' }), 415, 'unsupported_media_type');
    await refusedWith(await post(app, action, cookie, { headers: { 'Content-Type': 'multipart/form-data; boundary=x' } }), 415, 'unsupported_media_type');
    await refusedWith(await post(app, action, cookie, { body: `name=${'x'.repeat(70_000)}` }), 413, 'too_large');
    const url = new URL(action, OWN);
    const withQuery = (name: string, value: string) => {
      const changed = new URL(url);
      changed.searchParams.set(name, value);
      return changed.pathname + changed.search;
    };
    for (const back of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/a b', 'http://localhost:8080/']) {
      await refusedWith(await post(app, withQuery('return', back), cookie), 400, 'bad_field');
    }
    await refusedWith(await post(app, withQuery('event', 'mount'), cookie), 400, 'bad_field');
    await refusedWith(await post(app, withQuery('payload', '{"__proto__":{"admin":true}}'), cookie), 400, 'bad_field');
    await refusedWith(await post(app, action, cookie, { body: 'constructor=x&name=Eve' }), 400, 'forbidden_key');
    assert.equal(await nameOf(nasc, session), 'Guest', 'nothing was applied');
    const absolute = await post(app, withQuery('return', `${OWN}/again?x=1`), cookie);
    assert.equal(absolute.headers.get('location'), `${OWN}/again?x=1`);
  });

  test('a button posts its event as its value, checked as a form’s address is', async () => {
    const { app, nasc } = setUp();
    const { cookie, session } = await visit(app);
    const button = (target: Record<string, unknown>) => `na-event=${encodeURIComponent(JSON.stringify(target))}`;
    const rename = { type: 'Profile', instance: 'mine', event: 'rename', eventId: 'button-1', payload: { name: 'Bo' } };
    const answer = await post(app, '/nasc/form?return=%2F', cookie, { body: button(rename) });
    assert.equal(answer.status, 303);
    assert.equal(await nameOf(nasc, session), 'Bo');
    await refusedWith(await post(app, '/nasc/form?return=%2F', cookie, { body: `${button(rename)}&${button(rename)}` }), 400, 'bad_field');
    await refusedWith(await post(app, '/nasc/form?return=%2F', cookie, { body: 'na-event=%7B%22__proto__%22%3A%7B%7D%7D' }), 400, 'bad_field');
    await refusedWith(await post(app, '/nasc/form?return=%2F', cookie, { body: button({ ...rename, event: 'mount', eventId: 'button-2' }) }), 400, 'bad_field');
    await refusedWith(await post(app, '/nasc/form?return=https%3A%2F%2Fevil.example%2F', cookie, { body: button({ ...rename, eventId: 'button-3' }) }), 400, 'bad_field');
    assert.equal(await nameOf(nasc, session), 'Bo');
  });

  test('a form event is observed as one: transport "form" in the metrics and its log line, which has no client id', async () => {
    const logger = createMemoryLogger('info');
    const { app, nasc } = setUp({ logger, metrics: true });
    const { cookie, action } = await visit(app);
    assert.equal((await post(app, action, cookie)).status, 303);
    await refusedWith(await post(app, action, cookie, { headers: { Origin: 'https://evil.example' } }), 403, 'forbidden_origin');
    assert.equal(nasc.metrics!.value('nasc_events_total', { transport: 'form', outcome: 'applied' }), 1);
    assert.equal(nasc.metrics!.value('nasc_events_total', { transport: 'form', outcome: 'refused', code: 'forbidden_origin' }), 1);
    const line = logger.entries.find((entry) => entry.message === 'event' && entry.fields.transport === 'form' && entry.fields.outcome === 'applied');
    assert.ok(line, JSON.stringify(logger.entries));
    assert.equal(line.fields.clientId, undefined);
    assert.equal(typeof line.fields.session, 'string', 'the session as a tag');
    assert.ok(!JSON.stringify(logger.entries).includes(cookie.split('=')[1]!.split('.')[1]!), 'no session id in any line');
  });

  test('a button’s value is JSON that reads back as its event, whatever its ids and payload hold', () => {
    const payload = { id: `a"b'c</button>\u2028\\`, n: 1 };
    const event = { type: 'T"\\', instance: "i'<>&\u0001", event: 'e', payload };
    assert.deepEqual(JSON.parse(buttonValue(event, 'render.1')), { type: event.type, instance: event.instance, event: 'e', eventId: 'render.1', payload });
    assert.deepEqual(JSON.parse(buttonValue({ ...event, event: 'f' }, 'render.2')).payload, payload, 'a payload shared by two buttons');
  });

  test('another session’s instance cannot be reached through the form’s target', async () => {
    const { app, nasc } = setUp();
    const alice = await visit(app);
    const bob = await visit(app);
    const url = new URL(bob.action, OWN);
    url.searchParams.set('instance', `p-${alice.session}`);
    const answer = await post(app, url.pathname + url.search, bob.cookie, { body: 'name=Mallory' });
    assert.equal(answer.status, 303, 'refused by authorize: back to the page, with the refusal as its flash');
    assert.equal(await nameOf(nasc, alice.session), 'Guest');
    assert.match(answer.headers.getSetCookie()[0] ?? '', /^nasc_session_flash=/);
  });

  test('a refused event leaves a flash for the next page of that session only: shown once, next to its field', async () => {
    const { app } = setUp();
    const { cookie, action } = await visit(app);
    const answer = await post(app, action, cookie, { body: 'name=+' });
    assert.equal(answer.status, 303);
    const flash = answer.headers.getSetCookie()[0]!;
    assert.match(flash, /^nasc_session_flash=[\w-]+\.[\w-]+; Max-Age=60; Path=\/; HttpOnly; SameSite=Lax$/);
    const flashCookie = flash.split(';')[0]!;
    assert.doesNotMatch(answer.headers.get('location') ?? '', /Enter/, 'never in the URL');
    const next = await app.request('/', { headers: { Cookie: `${cookie}; ${flashCookie}` } });
    assert.match(await next.text(), /<p><na-bind prop="\$errors.name">Enter a name.<\/na-bind><\/p>/);
    assert.match(next.headers.getSetCookie().join('\n'), /nasc_session_flash=; Max-Age=0/, 'cleared once shown');
    // Another session presenting it (stolen, or planted by a page that can set cookies here) sees nothing.
    const other = await visit(app);
    const planted = await app.request('/', { headers: { Cookie: `${other.cookie}; ${flashCookie}` } });
    assert.doesNotMatch(await planted.text(), /Enter a name/);
    // Nor does a tampered one.
    const [payload, mac] = flashCookie.split('=')[1]!.split('.');
    const forged = `nasc_session_flash=${Buffer.from('{"type":"Profile","instance":"mine","message":"Pay here","field":"name"}').toString('base64url')}.${mac}`;
    assert.ok(payload);
    assert.doesNotMatch(await (await app.request('/', { headers: { Cookie: `${cookie}; ${forged}` } })).text(), /Pay here/);
  });
});
