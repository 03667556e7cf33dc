import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { NascOptions } from '../../server/index.js';
import { postEvent } from '../support/post-event.js';
import { acks } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { createTestApp, EXPECTED_EVENTS, TEST_SCHEMAS } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sseTransport } from '../support/transport.js';

async function setUp(t: TestContext, options: Partial<NascOptions> = {}): Promise<TestServer> {
  const app = createTestApp();
  const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, ...options });
  t.after(() => server.close());
  return server;
}

/** GETs a JSON endpoint; the body must be JSON whatever the status. */
async function getJson(server: TestServer, path: string): Promise<{ status: number; contentType: string; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`);
  const contentType = response.headers.get('Content-Type') ?? '';
  assert.match(contentType, /^application\/json/, `${path} must answer JSON`);
  return { status: response.status, contentType, body: await response.json() };
}

const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe('schema routes', () => {
  test('GET /nasc/schema lists every type that has a schema', async (t) => {
    const server = await setUp(t);
    const { status, body } = await getJson(server, '/nasc/schema');
    assert.equal(status, 200);
    assert.deepEqual(body, { types: Object.keys(TEST_SCHEMAS.$defs!) });
  });

  test('GET /nasc/schema/:type is a standalone schema: its $defs hold its whole $ref closure and nothing else', async (t) => {
    const server = await setUp(t);
    const defs = TEST_SCHEMAS.$defs!;
    const doc = await getJson(server, '/nasc/schema/Doc');
    assert.equal(doc.status, 200);
    assert.deepEqual(doc.body, { ...defs.Doc, $defs: { Doc: defs.Doc, Tag: defs.Tag, Meta: defs.Meta, Person: defs.Person } });
    // A cycle back to the root (Person → Doc) and a self-reference (Person → Person) are fine.
    const person = await getJson(server, '/nasc/schema/Person');
    assert.deepEqual(person.body, { ...defs.Person, $defs: { Person: defs.Person, Doc: defs.Doc, Tag: defs.Tag, Meta: defs.Meta } });
    const card = await getJson(server, '/nasc/schema/Card');
    assert.deepEqual(card.body, { ...defs.Card, $defs: { Card: defs.Card } });
  });

  test('GET /nasc/schema/:type for an unknown type → 404 JSON, inherited names included', async (t) => {
    const server = await setUp(t);
    for (const type of ['Nope', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'doc']) {
      const { status, body } = await getJson(server, `/nasc/schema/${encodeURIComponent(type)}`);
      assert.equal(status, 404, type);
      assert.equal((body as { code: string }).code, 'unknown_type', type);
    }
  });

  test('an unknown endpoint under /nasc → 404 JSON, when mounted the documented way (app.route)', async (t) => {
    const server = await setUp(t);
    const response = await fetch(`${server.baseUrl}/nasc/nothing-here`);
    assert.equal(response.status, 404);
    assert.match(
      response.headers.get('Content-Type') ?? '',
      /^application\/json/,
      "Hono's app.route() drops a sub-app's notFound handler, so createNasc's app.notFound(...) never runs " +
        'under app.route("/nasc", nasc.app) and the host app answers its own text 404',
    );
    assert.equal(((await response.json()) as { code: string }).code, 'not_found');
  });
});

describe('GET /nasc/manifest', () => {
  test('lists only own events: not mount, not Object.prototype names, not _private, for object and class handlers', async (t) => {
    const server = await setUp(t);
    const { status, body } = await getJson(server, '/nasc/manifest');
    assert.equal(status, 200);
    const manifest = body as Record<string, { events: string[] }>;
    assert.deepEqual(Object.keys(manifest).sort(), ['Board', 'Doc']);
    assert.deepEqual([...manifest.Doc!.events].sort(), [...EXPECTED_EVENTS.Doc].sort(), 'plain object handler');
    assert.deepEqual([...manifest.Board!.events].sort(), [...EXPECTED_EVENTS.Board].sort(), 'class-instance handler, inherited methods included');
    for (const [type, { events }] of Object.entries(manifest)) {
      for (const event of events) {
        assert.ok(event !== 'mount' && event !== 'unmount', `${type} lists the reserved "${event}"`);
        assert.ok(!OBJECT_PROTOTYPE_NAMES.includes(event), `${type} lists the inherited "${event}"`);
        assert.ok(!event.startsWith('_'), `${type} lists the private "${event}"`);
      }
    }
  });
});

describe('GET /nasc/events', () => {
  test('answers an SSE stream with no-cache, no-transform and no proxy buffering, starting with the retry hint', async (t) => {
    const server = await setUp(t, { retryMs: 2_500 });
    const sse = await SseClient.connect(`${server.baseUrl}/nasc/events?clientId=headers`);
    t.after(() => sse.close());
    assert.equal(sse.response.status, 200);
    assert.match(sse.response.headers.get('Content-Type') ?? '', /^text\/event-stream\b/);
    const cacheControl = (sse.response.headers.get('Cache-Control') ?? '').split(',').map((part) => part.trim());
    assert.ok(cacheControl.includes('no-cache') && cacheControl.includes('no-transform'), `Cache-Control: ${cacheControl.join(', ')}`);
    assert.equal(sse.response.headers.get('X-Accel-Buffering'), 'no');
    const first = await sse.frames.next();
    assert.deepEqual(first, { comments: [], retry: 2_500, lastEventId: '' }, 'the retry hint comes first, alone');
  });

  test('sends a keepalive comment every keepAliveMs', async (t) => {
    const server = await setUp(t, { keepAliveMs: 50 });
    const sse = await SseClient.connect(`${server.baseUrl}/nasc/events?clientId=idle`);
    t.after(() => sse.close());
    for (let count = 0; count < 2; count++) {
      const keepalive = await sse.frames.next((frame) => frame.comments.length > 0, undefined, `keepalive ${count + 1}`);
      assert.deepEqual(keepalive, { comments: [''], lastEventId: '' }, 'a bare comment, no data, no id');
    }
  });
});

describe('GET /nasc/ws', () => {
  test('without an Upgrade header → 426 JSON', async (t) => {
    const server = await setUp(t);
    const { status, body } = await getJson(server, '/nasc/ws?clientId=plain-get');
    assert.equal(status, 426);
    assert.equal((body as { code: string }).code, 'upgrade_required');
  });
});

describe('POST /nasc/event', () => {
  test('answers 202 {ok, eventId}, echoing the eventId given or making one that the ack then carries', async (t) => {
    const server = await setUp(t);
    const client = await sseTransport.open(server, 'poster');
    await client.mount('Doc', 'p1');
    const given = await postEvent(server.baseUrl, { event: 'increment', type: 'Doc', instance: 'p1', payload: {}, eventId: 'mine', clientId: 'poster' });
    assert.deepEqual([given.status, given.body], [202, { ok: true, eventId: 'mine' }]);
    assert.match(given.contentType ?? '', /^application\/json/);
    await client.messages.next(acks('mine'));

    const made = await postEvent(server.baseUrl, { event: 'increment', type: 'Doc', instance: 'p1', payload: {}, clientId: 'poster' });
    assert.equal(made.status, 202);
    assert.equal(made.body.ok, true);
    assert.match(String(made.body.eventId), /^[0-9a-f-]{36}$/, 'a generated eventId');
    const message = await client.messages.next();
    assert.ok(acks(String(made.body.eventId))(message), `the ack carries the generated eventId: ${message.text}`);
  });
});
