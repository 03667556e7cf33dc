import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postEvent } from '../support/post-event.js';
import { acks, type ServerMessage } from '../support/server-message.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sseTransport, transports, type Session, type SseSession } from '../support/transport.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const TARGET = 'target';
/** Small, so oversized bodies stay small too; the WS frame cap is then `ws`'s own 1 MiB floor. */
const MAX_BODY = 2048;
const WS_MAX_PAYLOAD = 1024 * 1024;

/** What must never appear inside an SSE line: every control character but the LF that ends lines. */
const FORBIDDEN_IN_SSE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Characters an id must not carry: line breaks (SSE injection), NUL (SSE ids, store keys), other controls. */
const CONTROL_CHARACTERS: readonly [string, string][] = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['CRLF', '\r\n'],
  ['NUL', '\u0000'],
  ['TAB', '\t'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['NEL (C1)', '\u0085'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
];

/** An id that tries to end its SSE line and forge a message of its own. */
function hostileId(base: string, character: string): string {
  return `${base}${character}data: [{"action":"error","message":"forged"}]${character}${character}id: forged`;
}

interface BadCase {
  name: string;
  body: string | Record<string, unknown>;
  status: number;
  code: string;
}

/** An event that would change the target if it got through: a refusal is then visible in the snapshot. */
const INCREMENT = { event: 'increment', type: 'Doc', instance: TARGET, payload: {} };

const MALFORMED_JSON: BadCase[] = [
  { name: 'truncated JSON', body: '{"event":"increment","type":', status: 400, code: 'bad_json' },
  { name: 'not JSON at all', body: 'increment Doc target', status: 400, code: 'bad_json' },
  { name: 'an empty body', body: '', status: 400, code: 'bad_json' },
  { name: 'a trailing comma', body: '{"event":"increment","type":"Doc","instance":"target",}', status: 400, code: 'bad_json' },
];

const NOT_AN_OBJECT: BadCase[] = [
  { name: 'an empty array', body: '[]', status: 400, code: 'bad_shape' },
  { name: 'an array holding the event', body: JSON.stringify([INCREMENT]), status: 400, code: 'bad_shape' },
  { name: 'a string', body: '"increment"', status: 400, code: 'bad_shape' },
  { name: 'a number', body: '42', status: 400, code: 'bad_shape' },
  { name: 'null', body: 'null', status: 400, code: 'bad_shape' },
  { name: 'true', body: 'true', status: 400, code: 'bad_shape' },
];

function without(field: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...INCREMENT };
  delete copy[field];
  return copy;
}

const BAD_FIELDS: BadCase[] = [
  { name: 'no event', body: without('event'), status: 400, code: 'missing_field' },
  { name: 'no type', body: without('type'), status: 400, code: 'missing_field' },
  { name: 'no instance', body: without('instance'), status: 400, code: 'missing_field' },
  { name: 'event is a number', body: { ...INCREMENT, event: 5 }, status: 400, code: 'bad_field' },
  { name: 'event is empty', body: { ...INCREMENT, event: '' }, status: 400, code: 'bad_field' },
  { name: 'type is null', body: { ...INCREMENT, type: null }, status: 400, code: 'bad_field' },
  { name: 'type is an array', body: { ...INCREMENT, type: ['Doc'] }, status: 400, code: 'bad_field' },
  { name: 'instance is an object', body: { ...INCREMENT, instance: { id: TARGET } }, status: 400, code: 'bad_field' },
  { name: 'instance is 201 characters', body: { ...INCREMENT, instance: 'i'.repeat(201) }, status: 400, code: 'bad_field' },
  // A lone surrogate (JSON can escape one) cannot be URI-encoded into a resume cursor.
  { name: 'instance holds a lone surrogate', body: { ...INCREMENT, instance: `${TARGET}\ud800` }, status: 400, code: 'bad_field' },
  { name: 'a mount of an instance holding a lone surrogate', body: { event: 'mount', type: 'Doc', instance: '\udc00lone', payload: {} }, status: 400, code: 'bad_field' },
  { name: 'eventId holds a lone surrogate', body: { ...INCREMENT, eventId: 'evt\udbff' }, status: 400, code: 'bad_field' },
  { name: 'payload is an array', body: { ...INCREMENT, payload: [1] }, status: 400, code: 'bad_field' },
  { name: 'payload is a string', body: { ...INCREMENT, payload: 'x' }, status: 400, code: 'bad_field' },
  { name: 'payload is a number', body: { ...INCREMENT, payload: 3 }, status: 400, code: 'bad_field' },
  { name: 'eventId is a number', body: { ...INCREMENT, eventId: 7 }, status: 400, code: 'bad_field' },
  { name: 'eventId is empty', body: { ...INCREMENT, eventId: '' }, status: 400, code: 'bad_field' },
  { name: 'eventId is 201 characters', body: { ...INCREMENT, eventId: 'e'.repeat(201) }, status: 400, code: 'bad_field' },
  { name: 'rev is negative', body: { ...INCREMENT, rev: -1 }, status: 400, code: 'bad_field' },
  { name: 'rev is fractional', body: { ...INCREMENT, rev: 1.5 }, status: 400, code: 'bad_field' },
  { name: 'rev is a string', body: { ...INCREMENT, rev: '2' }, status: 400, code: 'bad_field' },
];

const UNKNOWN_NAMES: BadCase[] = [
  { name: 'an unknown type', body: { ...INCREMENT, type: 'Nope' }, status: 404, code: 'unknown_type' },
  ...['toString', '__proto__', 'constructor', 'hasOwnProperty'].map((type) => ({
    name: `the inherited name "${type}" as type`,
    body: { ...INCREMENT, type },
    status: 404,
    code: 'unknown_type',
  })),
  { name: 'an unknown event', body: { ...INCREMENT, event: 'fly' }, status: 404, code: 'unknown_event' },
  ...['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString', '__defineGetter__'].map(
    (event) => ({ name: `the inherited name "${event}" as event`, body: { ...INCREMENT, event }, status: 404, code: 'unknown_event' }),
  ),
  { name: 'a _private function as event', body: { ...INCREMENT, event: '_private' }, status: 404, code: 'unknown_event' },
  // On a class-instance handler: private, inherited private, accessor, own non-function property.
  ...['_hidden', '_baseSecret', 'cardCount', 'prefix', 'constructor'].map((event) => ({
    name: `"${event}" on a class handler`,
    body: { event, type: 'Board', instance: 'b1', payload: {} },
    status: 404,
    code: 'unknown_event',
  })),
];

// Built with JSON.parse: an object literal's `__proto__` would set the prototype instead of adding a key.
const FORBIDDEN_KEYS: BadCase[] = [
  ['__proto__ in the payload', '{"__proto__":{"polluted":true}}'],
  ['__proto__ nested in the payload', '{"a":{"b":[1,{"__proto__":{"polluted":true}}]}}'],
  ['constructor.prototype in the payload', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['prototype nested in the payload', '{"deep":{"prototype":{"polluted":true}}}'],
].map(([name, payload]) => ({
  name: name!,
  body: JSON.parse(`{"event":"set","type":"Doc","instance":"${TARGET}","payload":${payload}}`) as Record<string, unknown>,
  status: 400,
  code: 'forbidden_key',
}));
FORBIDDEN_KEYS.push(
  {
    name: '__proto__ beside the event fields',
    body: JSON.parse(`{"event":"increment","type":"Doc","instance":"${TARGET}","__proto__":{"polluted":true}}`) as Record<string, unknown>,
    status: 400,
    code: 'forbidden_key',
  },
  {
    name: 'constructor beside the event fields',
    body: { ...INCREMENT, constructor: { prototype: { polluted: true } } },
    status: 400,
    code: 'forbidden_key',
  },
);

const ID_FIELDS = ['type', 'instance', 'event', 'eventId'] as const;

function controlCharacterCases(): BadCase[] {
  const base: Record<(typeof ID_FIELDS)[number], string> = { type: 'Doc', instance: TARGET, event: 'increment', eventId: 'evt' };
  return ID_FIELDS.flatMap((field) =>
    CONTROL_CHARACTERS.map(([label, character]) => ({
      name: `${label} in ${field}`,
      body: { ...INCREMENT, eventId: 'evt', [field]: hostileId(base[field], character) },
      status: 400,
      code: 'bad_field',
    })),
  );
}

/** The exact text of a `same` event (changes nothing) padded to `bytes` UTF-8 bytes with `fill`. */
function eventOfSize(bytes: number, fill: string, extra: Record<string, string>): string {
  const shape = (pad: string) => JSON.stringify({ event: 'same', type: 'Doc', instance: TARGET, payload: { pad }, ...extra });
  const room = bytes - Buffer.byteLength(shape(''));
  const fillBytes = Buffer.byteLength(fill);
  const pad = fill.repeat(Math.floor(room / fillBytes)) + 'x'.repeat(room % fillBytes);
  const text = shape(pad);
  assert.equal(Buffer.byteLength(text), bytes, 'test setup: the padded event has the intended size');
  return text;
}

function assertNoForbiddenCharacters(label: string, raw: string): void {
  raw.split('\n').forEach((line, index) => {
    assert.doesNotMatch(line, FORBIDDEN_IN_SSE, `${label}: line ${index} carries a control character: ${JSON.stringify(line)}`);
  });
  assert.ok(!raw.includes('forged'), `${label}: a forged field reached the stream`);
}

/**
 * Each transport through the Hono routes, and SSE once more with its event POSTs taken by `nasc.attach`
 * (which answers them without Hono): every case must get the same answer both ways.
 */
const wirings = [
  ...transports.map((transport) => ({ transport, label: transport.name, wiring: {} })),
  { transport: sseTransport, label: 'sse, events taken by nasc.attach', wiring: { attach: {}, honoWebsocket: true } },
];

for (const { transport, label, wiring } of wirings) {
  describe(`bad input over ${label}`, () => {
    let app: TestApp;
    let server: TestServer;
    let sender: Session;
    let observer: SseSession;
    /** The target's snapshot as a fresh client sees it before any bad input; it must never change. */
    let baseline: ServerMessage;
    const sseStreams: SseClient[] = [];
    let freshClients = 0;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, maxBodyBytes: MAX_BODY }, wiring);
      observer = (await sseTransport.open(server, 'observer')) as SseSession;
      sseStreams.push(observer.sse);
      await observer.mount('Doc', TARGET);
      // Past revision 1, so a snapshot compares a state the events built, not only the mount.
      await observer.send({ ...INCREMENT, eventId: 'setup' });
      await observer.messages.next(acks('setup'));
      sender = await transport.open(server, 'sender');
      if (sender.transport === 'sse') sseStreams.push(sender.sse);
      await sender.mount('Doc', TARGET);
      baseline = await snapshotFromFreshClient();
    });
    after(() => server.close());

    async function snapshotFromFreshClient(): Promise<ServerMessage> {
      const fresh = await transport.open(server, `fresh-${++freshClients}`);
      if (fresh.transport === 'sse') sseStreams.push(fresh.sse);
      const snapshot = await fresh.mount('Doc', TARGET);
      await fresh.close();
      return snapshot;
    }

    /** The server still answers and the target is exactly as it was. */
    async function assertIntact(): Promise<void> {
      const snapshot = await snapshotFromFreshClient();
      assert.equal(snapshot.text, baseline.text, 'the target instance changed');
      assert.equal(app.mountCalls.length, 1, 'handler.mount ran again');
    }

    async function expectRefused(body: BadCase['body'], status: number, code: string): Promise<void> {
      const refusal = await sender.refuse(body);
      assert.equal(refusal.code, code, `refused with ${refusal.code} (${refusal.message}), expected ${code}`);
      if (transport.name === 'sse') assert.equal(refusal.status, status);
      await assertIntact();
    }

    const groups: [string, BadCase[]][] = [
      ['malformed JSON', MALFORMED_JSON],
      ['a body that is not an object', NOT_AN_OBJECT],
      ['missing or wrong-typed fields', BAD_FIELDS],
      ['unknown and inherited names', UNKNOWN_NAMES],
      ['prototype keys', FORBIDDEN_KEYS],
      ['control characters in ids', controlCharacterCases()],
    ];
    for (const [group, cases] of groups) {
      describe(group, () => {
        for (const badCase of cases) {
          test(`${badCase.name} → ${badCase.status} ${badCase.code}`, () => expectRefused(badCase.body, badCase.status, badCase.code));
        }
      });
    }

    test('"mount" sent for a mounted instance answers a snapshot and does not call handler.mount again', async () => {
      await sender.send({ event: 'mount', type: 'Doc', instance: TARGET, payload: { title: 'ignored' } });
      const snapshot = await sender.messages.next();
      assert.equal(snapshot.text, baseline.text);
      await assertIntact();
    });

    test('no prototype was polluted in the server process', () => {
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    });

    test('an event for an instance never mounted → 409 not_mounted, and it stays unmounted', async () => {
      const body = { ...INCREMENT, instance: 'never-mounted', eventId: 'nm-1' };
      const refusal = await sender.refuse(body);
      assert.equal(refusal.code, 'not_mounted');
      assert.equal(refusal.eventId, 'nm-1');
      if (transport.name === 'sse') assert.equal(refusal.status, 409);
      const again = await sender.refuse({ ...body, eventId: 'nm-2' });
      assert.equal(again.code, 'not_mounted');
      await assertIntact();
    });

    test(`an event of exactly ${MAX_BODY} bytes (multi-byte text) is accepted; ids of 200 characters too`, async () => {
      const extra: Record<string, string> = { eventId: 'b'.repeat(200) };
      if (transport.name === 'sse') extra.clientId = sender.clientId;
      await sender.sendText(eventOfSize(MAX_BODY, 'é', extra));
      const answer = await sender.messages.next();
      assert.deepEqual(answer.patches, [{ action: 'ack', eventId: 'b'.repeat(200), type: 'Doc', instance: TARGET, rev: 2 }]);
      await assertIntact();
    });

    test(`an event of ${MAX_BODY + 1} bytes → too_large`, async () => {
      for (const fill of ['x', 'é', '😀']) {
        const extra: Record<string, string> = { eventId: 'too-big' };
        if (transport.name === 'sse') extra.clientId = sender.clientId;
        await expectRefused(eventOfSize(MAX_BODY + 1, fill, extra), 413, 'too_large');
      }
    });

    if (transport.name === 'sse') {
      test(`a chunked body (no Content-Length) over ${MAX_BODY} bytes → 413, at the limit → 202`, async () => {
        const over = await postEvent(server.baseUrl, eventOfSize(MAX_BODY + 1, 'é', { clientId: sender.clientId }), { chunked: true });
        assert.deepEqual([over.status, over.body.code], [413, 'too_large']);
        const far = await postEvent(server.baseUrl, eventOfSize(MAX_BODY * 8, 'x', { clientId: sender.clientId }), { chunked: true });
        assert.deepEqual([far.status, far.body.code], [413, 'too_large']);
        const atLimit = await postEvent(server.baseUrl, eventOfSize(MAX_BODY, 'x', { clientId: sender.clientId, eventId: 'chunked-ok' }), {
          chunked: true,
        });
        assert.equal(atLimit.status, 202, JSON.stringify(atLimit.body));
        await sender.messages.next(acks('chunked-ok'));
        await assertIntact();
      });

      test('clientId missing, wrong-typed, too long or holding control characters → 400', async () => {
        const bodies: [string, Record<string, unknown>, string][] = [
          ['missing', { ...INCREMENT }, 'missing_field'],
          ['a number', { ...INCREMENT, clientId: 12 }, 'bad_field'],
          ['empty', { ...INCREMENT, clientId: '' }, 'bad_field'],
          ['201 characters', { ...INCREMENT, clientId: 'c'.repeat(201) }, 'bad_field'],
          ...CONTROL_CHARACTERS.map(([label, character]): [string, Record<string, unknown>, string] => [
            label,
            { ...INCREMENT, clientId: hostileId(sender.clientId, character) },
            'bad_field',
          ]),
        ];
        for (const [label, body, code] of bodies) {
          const reply = await postEvent(server.baseUrl, body);
          assert.deepEqual([reply.status, reply.body.code], [400, code], `clientId ${label}`);
        }
        await assertIntact();
      });

      test('a mount from a clientId without an open stream → 409 no_stream', async () => {
        const reply = await postEvent(server.baseUrl, { event: 'mount', type: 'Doc', instance: 'orphan-mount', payload: {}, clientId: 'nobody' });
        assert.deepEqual([reply.status, reply.body.code], [409, 'no_stream']);
        assert.equal(app.mountCalls.length, 1, 'a refused mount must not create the instance');
      });

      test('a body that is not application/json → 415', async () => {
        const body = { ...INCREMENT, clientId: sender.clientId };
        for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/json', 'application/jsonp', null]) {
          const reply = await postEvent(server.baseUrl, body, { contentType });
          assert.deepEqual([reply.status, reply.body.code], [415, 'unsupported_media_type'], `Content-Type ${String(contentType)}`);
          assert.match(String(reply.contentType), /^application\/json/);
        }
        await assertIntact();
        for (const contentType of ['application/json; charset=utf-8', 'Application/JSON']) {
          const eventId = `ct-${contentType}`;
          const reply = await postEvent(server.baseUrl, { ...body, event: 'same', eventId }, { contentType });
          assert.equal(reply.status, 202, `Content-Type ${contentType} must be accepted`);
          await sender.messages.next(acks(eventId));
        }
      });

      test('GET /nasc/events with a missing or control-character clientId → 400', async () => {
        const queries = ['', '?clientId=', ...CONTROL_CHARACTERS.map(([, character]) => `?clientId=${encodeURIComponent(hostileId('c', character))}`)];
        for (const query of queries) {
          await assert.rejects(SseClient.connect(`${server.baseUrl}/nasc/events${query}`), (error: unknown) => {
            assert.ok(error instanceof SseRefusedError, String(error));
            assert.equal(error.status, 400, query);
            assert.equal((JSON.parse(error.body) as { code: string }).code, 'bad_client_id');
            return true;
          });
        }
        await assertIntact();
      });
    }

    if (transport.name === 'ws') {
      test('GET /nasc/ws with a missing or control-character clientId → upgrade refused with 400', async () => {
        const queries = ['', '?clientId=', ...CONTROL_CHARACTERS.map(([, character]) => `?clientId=${encodeURIComponent(hostileId('c', character))}`)];
        for (const query of queries) {
          await assert.rejects(WsClient.connect(`${server.wsBaseUrl}/nasc/ws${query}`), (error: unknown) => {
            assert.ok(error instanceof WsHandshakeError, String(error));
            assert.equal(error.status, 400, query);
            return true;
          });
        }
        await assertIntact();
      });

      test('a binary frame → error patch binary_frame, and the socket stays open', async () => {
        assert.equal(sender.transport, 'ws');
        if (sender.transport !== 'ws') return;
        await sender.ws.send(new TextEncoder().encode(JSON.stringify(INCREMENT)));
        const answer = await sender.messages.next();
        assert.deepEqual(
          answer.patches.map((patch) => (patch.action === 'error' ? patch.code : patch.action)),
          ['binary_frame'],
        );
        await sender.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'after-binary' });
        await sender.messages.next(acks('after-binary'));
        await assertIntact();
      });

      test('a frame above the socket limit closes that socket (1009) and nothing else', async () => {
        const victim = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=oversized`);
        server.defer(() => victim.close());
        // Only wait for the send to be handed over: the server may cut the socket before it is all written.
        victim.send('x'.repeat(WS_MAX_PAYLOAD + 1)).catch(() => undefined);
        const closed = await victim.closed;
        assert.equal(closed.code, 1009, `closed with ${closed.code} ${closed.reason}`);
        await sender.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'after-oversized' });
        await sender.messages.next(acks('after-oversized'));
        await assertIntact();
      });
    }

    test('no refused input sent anything on the streams: the next message of each is its own ack', async () => {
      await sender.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'sentinel-sender' });
      assert.equal((await sender.messages.next()).text, JSON.stringify([{ action: 'ack', eventId: 'sentinel-sender', type: 'Doc', instance: TARGET, rev: 2 }]));
      await observer.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'sentinel-observer' });
      assert.equal((await observer.messages.next()).text, JSON.stringify([{ action: 'ack', eventId: 'sentinel-observer', type: 'Doc', instance: TARGET, rev: 2 }]));
    });

    test('no control character from any id ever reached an SSE frame', () => {
      // The observer always; over SSE also the sender and every fresh client.
      assert.ok(sseStreams.length > (transport.name === 'sse' ? 2 : 0));
      for (const [index, stream] of sseStreams.entries()) assertNoForbiddenCharacters(`SSE stream ${index}`, stream.raw);
    });
  });
}
