/**
 * Frame injection: every id a client sends ends up somewhere a line break means something (SSE frames, log
 * lines, store keys). Ids holding CR, LF, CRLF, NUL, U+2028 or U+2029 are refused in every place they can be
 * sent; resume fields of older clients holding them are ignored; data holding them is JSON-escaped. The raw
 * SSE bytes of every stream are then read line by line: no line was ever forged.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findBadSseLine, openAs, type CookieClient } from '../support/adversary.js';
import { postEvent } from '../support/post-event.js';
import { acks, errorsOf, type ServerMessage } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const TARGET = 'target';
/** What a successful injection would put on a stream: a message, an id and an event name of its own. */
const INJECTED = 'INJECTED';
const BREAKS: readonly [string, string][] = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['CRLF', '\r\n'],
  ['NUL', '\u0000'],
  ['U+2028', '\u2028'],
  ['U+2029', '\u2029'],
  ['NEL', '\u0085'],
];

/** An id that ends its line and forges a whole message after it. */
function hostile(base: string, lineBreak: string): string {
  const b = lineBreak;
  return `${base}${b}${b}id: ${INJECTED}${b}event: ${INJECTED}${b}data: [{"action":"error","message":"${INJECTED}"}]${b}${b}`;
}

/** True when a message carries a patch that only an injection could have produced. */
function carriesInjection(message: ServerMessage): boolean {
  return message.patches.some(
    (patch) =>
      (patch.action === 'error' && patch.message === INJECTED) ||
      Object.values(patch).some((value) => value === INJECTED),
  );
}

/** Every stream's bytes follow the SSE grammar the server writes, and no forged frame or id got in. */
function assertCleanStream(label: string, stream: SseClient): void {
  const bad = findBadSseLine(stream.raw);
  assert.equal(bad, undefined, `${label}: ${bad}`);
  for (const frame of stream.frames.received) {
    assert.equal(frame.event, undefined, `${label}: a frame carries an event name: ${JSON.stringify(frame)}`);
    assert.notEqual(frame.id, INJECTED, `${label}: a frame carries a forged id`);
    assert.notEqual(frame.lastEventId, INJECTED, `${label}: the resume id was forged`);
  }
  for (const message of stream.messages.received) assert.equal(carriesInjection(message), false, `${label}: ${message.text}`);
}

const INCREMENT = { event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'evt' };

for (const transport of transports) {
  describe(`frame injection over ${transport.name}`, () => {
    let app: TestApp;
    let server: TestServer;
    let observer: CookieClient;
    let attacker: CookieClient;
    const streams: [string, SseClient][] = [];
    let sentinels = 0;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      observer = await openAs('sse', server, 'observer', undefined);
      streams.push(['observer', observer.sse!]);
      await observer.mount('Doc', TARGET);
      attacker = await openAs(transport.name, server, 'attacker', undefined);
      if (attacker.sse) streams.push(['attacker', attacker.sse]);
      await attacker.mount('Doc', TARGET);
    });
    after(() => server.close());

    /** Both clients are still served and nothing arrived since their last read. */
    async function assertNothingArrived(): Promise<void> {
      for (const client of [observer, attacker]) {
        const eventId = `sentinel-${++sentinels}`;
        await client.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId });
        const next = await client.messages.next();
        assert.ok(acks(eventId)(next), `${client.clientId} got something before its own ack: ${next.text}`);
      }
      assert.deepEqual(app.eventCalls.filter((call) => call.event !== 'same'), [], 'a hostile event reached a handler');
    }

    for (const field of ['type', 'instance', 'event', 'eventId'] as const) {
      test(`line breaks in "${field}" → 400 bad_field`, async () => {
        for (const [label, lineBreak] of BREAKS) {
          const refusal = await attacker.refuse({ ...INCREMENT, [field]: hostile(String(INCREMENT[field]), lineBreak) });
          assert.equal(refusal.code, 'bad_field', `${label} in ${field}: ${refusal.message}`);
          if (transport.name === 'sse') assert.equal(refusal.status, 400);
          else assert.equal(refusal.patch?.eventId, undefined, 'a refused id must not be echoed back');
        }
        await assertNothingArrived();
      });
    }

    test('unescaped control characters inside JSON strings → 400 bad_json', async () => {
      for (const [label, lineBreak] of BREAKS.slice(0, 4)) {
        const extra = transport.name === 'sse' ? ',"clientId":"attacker"' : '';
        const text = `{"event":"incr${lineBreak}ement","type":"Doc","instance":"${TARGET}","payload":{}${extra}}`;
        const refusal = await attacker.refuse(text);
        assert.equal(refusal.code, 'bad_json', label);
      }
      await assertNothingArrived();
    });

    if (transport.name === 'sse') {
      test('line breaks in the POSTed "clientId" → 400 bad_field', async () => {
        for (const [label, lineBreak] of BREAKS) {
          const reply = await postEvent(server.baseUrl, { ...INCREMENT, clientId: hostile('attacker', lineBreak) });
          assert.deepEqual([reply.status, reply.body.code], [400, 'bad_field'], label);
        }
        await assertNothingArrived();
      });
    }

    test(`line breaks in the ${transport.name === 'sse' ? 'GET /events' : 'GET /ws'} clientId query → 400 bad_client_id`, async () => {
      for (const [label, lineBreak] of BREAKS) {
        const query = `clientId=${encodeURIComponent(hostile('attacker', lineBreak))}`;
        if (transport.name === 'sse') {
          await assert.rejects(SseClient.connect(`${server.baseUrl}/nasc/events?${query}`), (error: unknown) => {
            assert.ok(error instanceof SseRefusedError && error.status === 400, `${label}: ${String(error)}`);
            assert.equal((JSON.parse(error.body) as { code: string }).code, 'bad_client_id');
            return true;
          });
        } else {
          await assert.rejects(WsClient.connect(`${server.wsBaseUrl}/nasc/ws?${query}`), (error: unknown) => {
            assert.ok(error instanceof WsHandshakeError && error.status === 400, `${label}: ${String(error)}`);
            return true;
          });
        }
      }
      await assertNothingArrived();
    });

    test('resume fields of old clients (lastEventId, cursor) holding line breaks are ignored: the stream opens, subscribes nothing, forges nothing', async () => {
      const values = [
        `Doc/${TARGET}@1\ndata: [{"action":"error","message":"${INJECTED}"}]`,
        `Doc/${TARGET}@1\r\nid: ${INJECTED}`,
        `Doc/${TARGET}@1\rdata: x`,
        `Doc/${TARGET}@1\u2028data: x`,
        `Doc/${TARGET}@1\u0000`,
        `Doc/${TARGET}%0Adata%3A%20%5B%5D@1`,
        `${'Doc/a@1 '.repeat(300)}Doc/b@1`,
      ];
      for (const [index, value] of values.entries()) {
        const clientId = `old-resume-${index}`;
        const field = transport.name === 'sse' ? 'lastEventId' : 'cursor';
        const client = await openAs(transport.name, server, clientId, undefined, { query: `&${field}=${encodeURIComponent(value)}` });
        if (client.sse) streams.push([`${field} ${JSON.stringify(value)}`, client.sse]);
        await client.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: `after-${index}` });
        const answer = await client.messages.next(acks(`after-${index}`));
        assert.deepEqual(answer.patches.map((patch) => patch.action), ['ack'], `${field} ${JSON.stringify(value)} subscribed the stream: ${answer.text}`);
        for (const message of client.messages.received) {
          assert.equal(carriesInjection(message), false, `${field} ${JSON.stringify(value)}: ${message.text}`);
        }
        await client.close();
      }
      await assertNothingArrived();
    });

    if (transport.name === 'sse') {
      test('raw HTTP: a header with a bare CR is refused by the HTTP parser; a CRLF only starts another header', async () => {
        const { port } = new URL(server.baseUrl);
        const cookie = sessionCookieFor(server.baseUrl)!;
        const request = (lastEventId: string) =>
          `GET /nasc/events?clientId=raw-${Math.random().toString(36).slice(2)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n` +
          `Last-Event-ID: ${lastEventId}\r\n\r\n`;
        const bareCr = await rawExchange(Number(port), request(`Doc/${TARGET}@1\rdata: ${INJECTED}`));
        assert.match(bareCr, /^HTTP\/1\.1 400 /);
        const nul = await rawExchange(Number(port), request(`Doc/${TARGET}@1\u0000`));
        assert.match(nul, /^HTTP\/1\.1 400 /);
        const crlf = await rawExchange(Number(port), request(`Doc/${TARGET}@1\r\ndata: ${INJECTED}`));
        assert.match(crlf, /^HTTP\/1\.1 200 /);
        const body = dechunk(crlf.slice(crlf.indexOf('\r\n\r\n') + 4));
        assert.equal(findBadSseLine(body), undefined, body);
        assert.ok(!body.includes(INJECTED), `the stream carried the injected text: ${JSON.stringify(body)}`);
      });
    }

    test('hostile text inside data (values, property names, NascError messages) is escaped, never a line of its own', async () => {
      const evil = hostile('x', '\n');
      await attacker.send({ event: 'set', type: 'Doc', instance: TARGET, payload: { prop: 'title', value: evil }, eventId: 'data-1' });
      await attacker.messages.next(acks('data-1'));
      await attacker.send({ event: 'set', type: 'Doc', instance: TARGET, payload: { prop: hostile('p', '\r\n'), value: 1 }, eventId: 'data-2' });
      await attacker.messages.next(acks('data-2'));
      await attacker.send({ event: 'refuse', type: 'Doc', instance: TARGET, payload: { message: evil, field: hostile('f', '\r') }, eventId: 'data-3' });
      const refused = await attacker.messages.next((message) => errorsOf(message).some((patch) => patch.eventId === 'data-3'));
      assert.equal(errorsOf(refused)[0]?.message, evil, 'the NascError message arrives intact, as data');
      const update = await observer.messages.next((message) => message.text.includes('"prop":"title"'));
      assert.equal(update.patches.length, 1);
      assert.deepEqual(update.patches[0], { action: 'bindUpdate', type: 'Doc', instance: TARGET, prop: 'title', value: evil, rev: 2 });
      const renamed = await observer.messages.next((message) => message.text.includes('"rev":3'));
      assert.deepEqual(renamed.patches[0], { action: 'bindUpdate', type: 'Doc', instance: TARGET, prop: hostile('p', '\r\n'), value: 1, rev: 3 });
      // These events were meant to run: forget them, so the checks that follow see only hostile ones.
      app.eventCalls.length = 0;
    });

    test('no SSE stream ever carried a forged line, id or event', async () => {
      await assertNothingArrived();
      assert.ok(streams.length >= 1);
      for (const [label, stream] of streams) assertCleanStream(label, stream);
    });
  });
}

/** Sends raw bytes and returns what came back until the stream's greeting, the server's close, or 5 s. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let received = '';
    const guard = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('data: []')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(received);
    });
  });
}

/** The payload of an HTTP/1.1 chunked body (complete chunks only). */
function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const end = rest.indexOf('\r\n');
    if (end === -1) break;
    const size = parseInt(rest.slice(0, end), 16);
    if (!Number.isFinite(size) || size === 0 || rest.length < end + 2 + size) break;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
  return out;
}
