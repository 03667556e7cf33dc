/**
 * `nasc.render()`: pages rendered for a session, exactly as that session would mount their instances
 * (resolveInstance, authorize, the create rule), running no handler code but `mount` for a new instance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineHandler, type NascOptions } from '../../server/index.js';
import { renderingApp } from '../support/rendering-app.js';

interface Profile {
  name: string;
}

/** A handler that counts what runs: `mount` per instance, and every event. */
function countingProfile() {
  const calls = { mounts: [] as string[], events: 0 };
  const Profile = defineHandler<Profile>({
    mount: ({ instance }) => {
      calls.mounts.push(String(instance));
      return { name: `owner of ${String(instance)}` };
    },
    rename: (payload) => {
      calls.events++;
      return { name: String(payload.name) };
    },
  });
  return { Profile, calls };
}

const PAGE = '<!doctype html><html><body><na-scope type="Profile" instance="mine"><h1><na-bind prop="name">Guest</na-bind></h1></na-scope></body></html>';

function setUp(options: Partial<NascOptions> = {}, page: string | (() => string) = PAGE) {
  const { Profile, calls } = countingProfile();
  const { app, nasc } = renderingApp({ Profile }, typeof page === 'string' ? () => page : page, options);
  return { nasc, app, calls };
}

/** The session cookie a response sets (`name=value`), to send back. */
function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('nasc_session='));
  assert.ok(cookie, 'a session cookie is set');
  return cookie.split(';')[0]!;
}

describe('nasc.render()', () => {
  test('a first visit gets its session with the page, and the page shows that session’s own instance, stamped', async () => {
    const { app, nasc } = setUp();
    const first = await app.request('/');
    assert.equal(first.status, 200);
    const cookie = sessionCookie(first);
    const html = await first.text();
    const session = cookie.split('.')[1]!;
    assert.match(html, new RegExp(`<h1><na-bind prop="name">owner of p-${session}</na-bind></h1>`));
    assert.match(html, /<na-scope type="Profile" instance="mine" na-rev="1" na-state='\{"name":"owner of p-[\w-]+"\}'>/);
    assert.equal(first.headers.get('cache-control'), 'private, no-store');
    // The same session again: the same instance, now at the revision its change made.
    await nasc.engine.dispatch({ event: 'rename', type: 'Profile', instance: `p-${session}`, payload: { name: 'Ada' } });
    const again = await app.request('/', { headers: { Cookie: cookie } });
    assert.deepEqual(again.headers.getSetCookie(), [], 'no new session for a known one');
    assert.match(await again.text(), /na-rev="2" na-state='\{"name":"Ada"\}'><h1><na-bind prop="name">Ada<\/na-bind>/);
  });

  test('a session never gets another session’s per-session instance rendered, even by naming it', async () => {
    let page = PAGE;
    const { app, nasc } = setUp({}, () => page);
    const alice = sessionCookie(await app.request('/'));
    const bob = sessionCookie(await app.request('/'));
    const bobProfile = `p-${bob.split('.')[1]!}`;
    await nasc.engine.dispatch({ event: 'rename', type: 'Profile', instance: bobProfile, payload: { name: 'Bob’s secret' } });
    assert.match(await (await app.request('/', { headers: { Cookie: bob } })).text(), /Bob’s secret/);
    assert.doesNotMatch(await (await app.request('/', { headers: { Cookie: alice } })).text(), /Bob’s secret/);
    // Alice's page names Bob's stored instance outright: authorize refuses it, as it would refuse her mount.
    page = `<na-scope type="Profile" instance="${bobProfile}"><b><na-bind prop="name">hidden</na-bind></b></na-scope>`;
    const aliceOnBob = await (await app.request('/', { headers: { Cookie: alice } })).text();
    assert.equal(aliceOnBob, page, 'the refused scope is left as written, unstamped');
  });

  test('rendering runs no handler code but mount, once, for an instance that does not exist; the create rule holds', async () => {
    const { app, calls } = setUp({ instances: { Profile: { create: ({ session, instance }) => instance === `p-${session}` } } });
    const cookie = sessionCookie(await app.request('/'));
    await app.request('/', { headers: { Cookie: cookie } });
    await app.request('/', { headers: { Cookie: cookie } });
    assert.equal(calls.mounts.length, 1, 'mount ran once, for the new instance');
    assert.equal(calls.events, 0, 'no event ran');

    const refused = setUp({ instances: { Profile: { create: false } } });
    const html = await (await refused.app.request('/')).text();
    assert.match(html, /<na-scope type="Profile" instance="mine"><h1><na-bind prop="name">Guest<\/na-bind>/, 'left as written');
    assert.deepEqual(refused.calls.mounts, [], 'mount never ran: the type may not be created');
  });

  test('answers that are not HTML, and pages without scopes, pass untouched (no session issued)', async () => {
    const { app } = setUp({}, '<!doctype html><p>No scopes here.</p>');
    const plain = await app.request('/plain');
    assert.deepEqual(await plain.json(), { page: '<!doctype html><p>No scopes here.</p>' });
    const page = await app.request('/');
    assert.equal(await page.text(), '<!doctype html><p>No scopes here.</p>');
    assert.deepEqual(page.headers.getSetCookie(), []);
  });
});
