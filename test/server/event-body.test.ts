/**
 * How `POST /nasc/event` reads its body: taken from Node's buffer when it came with the headers, read from
 * the stream when it comes later, in pieces. Whichever way, the event is decoded the same (UTF-8 split
 * across packets, a leading BOM dropped) and applied once; a body cut short changes nothing and the server
 * goes on. Over raw sockets, so the packets are ours to split. (The POST endpoint is SSE's: WS events are
 * frames, decoded by `ws`.)
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sseTransport, type Session } from '../support/transport.js';

const TARGET = 'body-target';

describe('POST /nasc/event body', () => {
  let server: TestServer;
  let session: Session;
  let port: number;

  before(async () => {
    const app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
    session = await sseTransport.open(server, 'body-reader');
    await session.mount('Doc', TARGET);
    port = Number(new URL(server.baseUrl).port);
  });
  after(() => server.close());

  /** One turn of the server: a request on another connection, answered. Lets the pieces before it be read. */
  async function serverTurn(): Promise<void> {
    const response = await fetch(`${server.baseUrl}/nasc/health`);
    assert.equal(response.status, 200);
  }

  function head(length: number): string {
    return (
      `POST /nasc/event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${sessionCookieFor(server.baseUrl)!}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`
    );
  }

  /** Sends `pieces` on one socket, a server turn apart, and resolves with everything the server answered. */
  function rawPost(pieces: Buffer[], options: { endEarly?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.once('connect', async () => {
        try {
          for (const [index, piece] of pieces.entries()) {
            if (index > 0) await serverTurn();
            socket.write(piece);
          }
          if (options.endEarly) socket.end();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  function eventBody(eventId: string, value: string): Buffer {
    const json = JSON.stringify({ event: 'set', type: 'Doc', instance: TARGET, payload: { prop: 'title', value }, eventId, clientId: session.clientId });
    return Buffer.from(json, 'utf8');
  }

  async function titleAfter(eventId: string): Promise<unknown> {
    const message = await session.messages.next(acks(eventId), undefined, `the ack of ${eventId}`);
    return bindUpdatesOf(message).find((patch) => patch.prop === 'title')?.value;
  }

  test('the 202 says ok and the event id, as JSON.stringify writes it (quotes and non-ASCII in the id too)', async () => {
    for (const eventId of ['plain-id', 'quote"back\\slash', 'é ✓ 𝄞']) {
      const response = await fetch(`${server.baseUrl}/nasc/event`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: sessionCookieFor(server.baseUrl)! },
        body: eventBody(eventId, 'answered').toString('utf8'),
      });
      assert.equal(response.status, 202);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.equal(await response.text(), JSON.stringify({ ok: true, eventId }));
    }
  });

  test('a body that came with its headers is applied', async () => {
    const body = eventBody('with-headers', 'one packet');
    const answer = await rawPost([Buffer.concat([Buffer.from(head(body.length)), body])]);
    assert.match(answer, /^HTTP\/1\.1 202 /, answer);
    assert.equal(await titleAfter('with-headers'), 'one packet');
  });

  test('a body that comes after its headers, in pieces, is read whole and applied once', async () => {
    const body = eventBody('in-pieces', 'three pieces');
    const third = Math.floor(body.length / 3);
    const answer = await rawPost([Buffer.from(head(body.length)), body.subarray(0, third), body.subarray(third, 2 * third), body.subarray(2 * third)]);
    assert.match(answer, /^HTTP\/1\.1 202 /, answer);
    assert.equal(await titleAfter('in-pieces'), 'three pieces');
  });

  test('a character split across packets is decoded whole', async () => {
    const body = eventBody('split-character', 'café 👍');
    const cut = body.indexOf(Buffer.from('👍', 'utf8')) + 2;
    const answer = await rawPost([Buffer.concat([Buffer.from(head(body.length)), body.subarray(0, cut)]), body.subarray(cut)]);
    assert.match(answer, /^HTTP\/1\.1 202 /, answer);
    assert.equal(await titleAfter('split-character'), 'café 👍');
  });

  test('a leading byte order mark is dropped, with the body in one packet or after its headers', async () => {
    for (const [eventId, together] of [
      ['bom-together', true],
      ['bom-later', false],
    ] as const) {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), eventBody(eventId, `with a BOM (${eventId})`)]);
      const headBytes = Buffer.from(head(body.length));
      const answer = await rawPost(together ? [Buffer.concat([headBytes, body])] : [headBytes, body]);
      assert.match(answer, /^HTTP\/1\.1 202 /, answer);
      assert.equal(await titleAfter(eventId), `with a BOM (${eventId})`);
    }
  });

  test('a body cut short (the client goes away) changes nothing, and the server goes on', async () => {
    const body = eventBody('cut-short', 'never');
    const answer = await rawPost([Buffer.concat([Buffer.from(head(body.length * 2)), body])], { endEarly: true });
    assert.doesNotMatch(answer, /^HTTP\/1\.1 202 /, 'no acceptance for half a body');
    const next = eventBody('after-cut', 'still serving');
    const reply = await rawPost([Buffer.concat([Buffer.from(head(next.length)), next])]);
    assert.match(reply, /^HTTP\/1\.1 202 /, reply);
    // The next thing on the stream is the later event: the cut one was never applied.
    const message = await session.messages.next(undefined, undefined, 'the next message');
    assert.ok(acks('after-cut')(message), `expected the later event's patches, got ${message.text}`);
    assert.equal(bindUpdatesOf(message).find((patch) => patch.prop === 'title')?.value, 'still serving');
  });
});
