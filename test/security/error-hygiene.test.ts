/**
 * Error hygiene: a failure inside the app (a handler, `authorize`, `resolveInstance`) may hold file paths,
 * credentials or a stack. Pages only ever get a generic message and a code; the details go to the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../server/index.js';
import { openAs, serverAnswers, type CookieClient } from '../support/adversary.js';
import { createMemoryLogger, type MemoryLogger } from '../support/memory-logger.js';
import { postEvent } from '../support/post-event.js';
import { errorsOf } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp, SECRET_FAILURE, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

/** A failure of the app's own hooks: a path, a credential, and (being an Error) a stack. */
const HOOK_FAILURE = 'EACCES: open /srv/app/secrets/acl.json (token=sk_live_42) in /srv/app/authorize.ts:17';

/** What must never reach a page: pieces of the failures above, and anything that looks like a stack frame. */
const LEAKS = [/\/srv\//, /hunter2/, /postgres:/, /sk_live/, /EACCES/, /\.ts:\d+/, /\bat [\w.<>]+ \(/, /\bat file:/, /node:internal/, /Error:/];

function assertNoLeak(label: string, text: string): void {
  for (const secret of [SECRET_FAILURE, HOOK_FAILURE]) assert.ok(!text.includes(secret), `${label} leaked the failure message: ${text}`);
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, `${label} leaked ${leak}: ${text}`);
}

const INTERNAL_BODY = { error: 'The server could not process the request.', code: 'internal' };

for (const transport of transports) {
  describe(`error hygiene over ${transport.name}`, () => {
    let app: TestApp;
    let server: TestServer;
    let logger: MemoryLogger;
    let client: CookieClient;

    before(async () => {
      app = createTestApp();
      logger = createMemoryLogger();
      server = await startTestServer({
        handlers: app.handlers,
        schemas: app.schemas,
        logger,
        authorize: ({ instance }) => {
          if (instance === 'authorize-fails') throw new Error(HOOK_FAILURE);
          return true;
        },
        resolveInstance: ({ instance }) => {
          if (instance === 'resolve-fails') throw new Error(HOOK_FAILURE);
          return instance;
        },
      });
      client = await openAs(transport.name, server, 'client', undefined);
      await client.mount('Doc', 'doc');
    });
    after(() => server.close());

    for (const event of ['explode', 'explodeAsync', 'explodeWithString']) {
      test(`a handler failing with a path and a stack (${event}) → a generic error patch`, async () => {
        const eventId = `${event}-1`;
        await client.send({ event, type: 'Doc', instance: 'doc', payload: {}, eventId });
        const message = await client.messages.next((m) => errorsOf(m).some((patch) => patch.eventId === eventId));
        assert.deepEqual(errorsOf(message), [
          { action: 'error', message: `Event "${event}" failed on the server.`, code: 'handler_failed', eventId, type: 'Doc', instance: 'doc' },
        ]);
        assertNoLeak(event, message.text);
        const logged = logger.entries.find((entry) => entry.level === 'error' && entry.fields.event === event);
        assert.ok(logged, 'the failure was not logged');
        assert.match(String(logged.fields.error), /\/srv\/app\/handlers\/doc\.ts:42/, 'the log keeps the details for the operator');
      });
    }

    test('a mount failing with a path → "Mounting failed on the server."', async () => {
      await client.send({ event: 'mount', type: 'Doc', instance: 'broken', payload: { failMount: true }, eventId: 'mount-fails' });
      const message = await client.messages.next((m) => errorsOf(m).some((patch) => patch.eventId === 'mount-fails'));
      assert.deepEqual(errorsOf(message).map((patch) => [patch.message, patch.code]), [['Mounting failed on the server.', 'handler_failed']]);
      assertNoLeak('mount', message.text);
    });

    for (const [hook, instance] of [
      ['authorize', 'authorize-fails'],
      ['resolveInstance', 'resolve-fails'],
    ] as const) {
      test(`${hook} throwing → ${transport.name === 'sse' ? '500 with' : 'an error patch with'} nothing but "internal"`, async (t) => {
        // A client (tab) of its own, in the same session: a failed event holds its client's line until it is
        // sent again.
        const client = await openAs(transport.name, server, `${hook}-client`, sessionCookieFor(server.baseUrl)!);
        t.after(() => client.close());
        const event = { event: 'increment', type: 'Doc', instance, payload: {}, eventId: `${hook}-1` };
        if (transport.name === 'sse') {
          const response = await fetch(`${server.baseUrl}/nasc/event`, {
            method: 'POST',
            headers: { Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...event, clientId: client.clientId }),
          });
          const text = await response.text();
          assert.equal(response.status, 500);
          assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/);
          assert.deepEqual(JSON.parse(text), INTERNAL_BODY);
          assertNoLeak(hook, text);
          for (const [name, value] of response.headers) assertNoLeak(`header ${name}`, value);
        } else {
          await client.ws!.send(JSON.stringify(event));
          const message = await client.messages.next((m) => errorsOf(m).length > 0);
          // As a 500 over HTTP: the client is told to send the same event again later, and nothing else.
          assert.deepEqual(errorsOf(message), [
            { action: 'error', message: 'The server could not process the request.', code: 'internal', type: 'Doc', instance, eventId: event.eventId, retryAfterMs: 1_000 },
          ]);
          assertNoLeak(hook, message.text);
        }
        assert.ok(logger.entries.some((entry) => entry.level === 'error' && String(entry.fields.error).includes('sk_live_42')), 'the failure was logged');
        assert.ok(await serverAnswers(server));
      });
    }
  });
}

describe('error hygiene of the HTTP surface', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ handlers: createTestApp().handlers });
  });
  after(() => server.close());

  test('unknown routes, odd paths and bad encodings get short JSON answers, never a stack', async () => {
    const requests: [string, RequestInit][] = [
      ['/nasc/nope', {}],
      ['/nasc/schema/%ZZ', {}],
      ['/nasc/schema/__proto__', {}],
      ['/nasc/event', { method: 'GET' }],
      ['/nasc/event', { method: 'PUT', body: '{}' }],
      ['/nasc/events', { method: 'POST', body: '{}' }],
      ['/nasc/ws', {}],
      ['/nasc/ws?clientId=plain-get', {}],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(`${server.baseUrl}${path}`, init);
      const text = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `${init.method ?? 'GET'} ${path} answered ${response.status}`);
      assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/, path);
      const body = JSON.parse(text) as { error: string; code: string };
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error'], path);
      assertNoLeak(path, text);
    }
  });

  test('a POST answered 500 by a failing store carries no details', async (t) => {
    const app = createTestApp();
    const failing = await startTestServer({
      handlers: app.handlers,
      store: new (class extends MemoryStore {
        override async load(): Promise<never> {
          throw new Error(`SQLITE_CANTOPEN: unable to open /var/lib/nasc/${'secret'}.db`);
        }
      })(),
    });
    t.after(() => failing.close());
    const reply = await postEvent(failing.baseUrl, { event: 'increment', type: 'Doc', instance: 'x', payload: {}, clientId: 'c' });
    assert.equal(reply.status, 500);
    assert.deepEqual(reply.body, INTERNAL_BODY);
  });
});
