/**
 * Oversize input and floods: bodies and frames over the size limits, event floods over the rate limit,
 * stream and mount floods over the per-session limits. Each is refused with the documented code (and a
 * `Retry-After` / `retryAfterMs` where waiting helps), nothing is applied while refused, other sessions are
 * not affected and the server stays up.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { handshake, issueSession, openAs, serverAnswers, type CookieClient } from '../support/adversary.js';
import { postEvent } from '../support/post-event.js';
import { acks, answerTo, errorsOf, isSnapshotOf, type ServerMessage } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient } from '../support/ws-client.js';

const MAX_BODY = 1024;
const WS_MAX_PAYLOAD = 1024 * 1024;
const RATE = 5;
const BURST = 5;

for (const transport of transports) {
  describe(`oversize input over ${transport.name}`, () => {
    let app: TestApp;
    let server: TestServer;
    let client: CookieClient;
    let bystander: CookieClient;
    let baseline: string;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, maxBodyBytes: MAX_BODY });
      bystander = await openAs('sse', server, 'bystander', undefined);
      baseline = (await bystander.mount('Doc', 'target')).text;
      client = await openAs(transport.name, server, 'big-sender', undefined);
      await client.mount('Doc', 'target');
    });
    after(() => server.close());

    async function assertIntact(): Promise<void> {
      assert.ok(await serverAnswers(server), 'the server stopped answering');
      await bystander.send({ event: 'same', type: 'Doc', instance: 'target', payload: {}, eventId: `bystander-${Math.random()}` });
      const fresh = await openAs('sse', server, `fresh-${Math.random()}`, undefined);
      assert.equal((await fresh.mount('Doc', 'target')).text, baseline, 'the target changed');
      await fresh.close();
      assert.deepEqual(app.eventCalls.filter((call) => call.event !== 'same'), []);
    }

    const oversized = JSON.stringify({ event: 'increment', type: 'Doc', instance: 'target', payload: { pad: 'x'.repeat(MAX_BODY) }, clientId: 'big-sender' });

    test(`an event over maxBodyBytes (${MAX_BODY}) → 413 / too_large, nothing applied`, async () => {
      const refusal = await client.refuse(transport.name === 'sse' ? oversized : oversized.replace(',"clientId":"big-sender"', ''));
      assert.equal(refusal.code, 'too_large');
      if (transport.name === 'sse') assert.equal(refusal.status, 413);
      await assertIntact();
    });

    if (transport.name === 'sse') {
      test('a huge body is refused without being read: declared (Content-Length, from the headers alone) or streamed (chunked) → 413', async () => {
        // Announce 10 MB, send 10 bytes: the answer must come at once, not after waiting for the rest.
        const { port } = new URL(server.baseUrl);
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(Number(port), '127.0.0.1', () => {
            socket.write(
              `POST /nasc/event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${sessionCookieFor(server.baseUrl)!}\r\n` +
                `Content-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n{"event":"`,
            );
          });
          let received = '';
          socket.on('data', (chunk: Buffer) => {
            received += chunk.toString('utf8');
            if (/\r\n\r\n[\s\S]*\}/.test(received)) socket.destroy();
          });
          socket.on('error', reject);
          socket.on('close', () => resolve(received));
        });
        assert.match(answer, /^HTTP\/1\.1 413 /, answer);
        assert.match(answer, /"code":"too_large"/);
        const chunked = await postEvent(server.baseUrl, oversized.replace('"x', `"${'x'.repeat(8 * MAX_BODY)}`), { chunked: true });
        assert.deepEqual([chunked.status, chunked.body.code], [413, 'too_large']);
        await assertIntact();
      });
    } else {
      test('a frame over maxBodyBytes gets an error patch and the socket stays open; over the socket limit it is closed (1009)', async () => {
        const ws = client.ws!;
        await ws.send(oversized);
        const answer = await ws.messages.next();
        assert.deepEqual(errorsOf(answer).map((patch) => patch.code), ['too_large']);
        await ws.send(JSON.stringify({ event: 'same', type: 'Doc', instance: 'target', payload: {}, eventId: 'still-open' }));
        await ws.messages.next(acks('still-open'));

        const victim = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=oversized`);
        server.defer(() => victim.close());
        victim.send('x'.repeat(WS_MAX_PAYLOAD + 1)).catch(() => undefined);
        const closed = await victim.closed;
        assert.equal(closed.code, 1009, `closed with ${closed.code} ${closed.reason}`);
        await ws.send(JSON.stringify({ event: 'same', type: 'Doc', instance: 'target', payload: {}, eventId: 'unaffected' }));
        await ws.messages.next(acks('unaffected'));
        await assertIntact();
      });
    }
  });

  describe(`event flood over ${transport.name} (eventsPerSecond ${RATE}, eventBurst ${BURST})`, () => {
    let app: TestApp;
    let server: TestServer;
    let flooder: CookieClient;
    let other: CookieClient;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, limits: { eventsPerSecond: RATE, eventBurst: BURST } });
      const otherSession = await issueSession(server);
      other = await openAs('sse', server, 'other-session', otherSession.cookie);
      await other.mount('Doc', 'flood');
      flooder = await openAs(transport.name, server, 'flooder', undefined);
    });
    after(() => server.close());

    test('past the burst → 429 rate_limited with Retry-After / retryAfterMs; nothing applied; the same event goes through after the wait', async () => {
      const started = performance.now();
      await flooder.mount('Doc', 'flood');
      const total = 20;
      const ids = Array.from({ length: total }, (_, i) => `flood-${i}`);
      const event = (eventId: string) => ({ event: 'increment', type: 'Doc', instance: 'flood', payload: {}, eventId });
      const accepted: string[] = [];
      const limited: { eventId: string; waitMs: number }[] = [];
      if (flooder.ws) {
        const ws = flooder.ws;
        for (const eventId of ids) ws.socket.send(JSON.stringify(event(eventId)));
        const pending = new Set(ids);
        while (pending.size > 0) {
          const message = await ws.messages.next((m) => [...pending].some((id) => answerTo(m, id)), undefined, 'an answer to a flood event');
          for (const id of [...pending]) {
            const answer = answerTo(message, id);
            if (!answer) continue;
            pending.delete(id);
            if (answer.action === 'ack') accepted.push(id);
            else {
              assert.equal(answer.code, 'rate_limited', JSON.stringify(answer));
              const waitMs = answer.retryAfterMs;
              assert.ok(waitMs !== undefined && waitMs > 0 && waitMs <= 1000 / RATE, `retryAfterMs ${waitMs}`);
              limited.push({ eventId: id, waitMs });
            }
          }
        }
      } else {
        for (const eventId of ids) {
          const response = await fetch(`${server.baseUrl}/nasc/event`, {
            method: 'POST',
            headers: { Cookie: sessionCookieFor(server.baseUrl)!, 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...event(eventId), clientId: 'flooder' }),
          });
          const body = (await response.json()) as { code?: string; eventId?: string };
          if (response.status === 202) {
            accepted.push(eventId);
            continue;
          }
          assert.deepEqual([response.status, body.code, body.eventId], [429, 'rate_limited', eventId]);
          const retryAfter = response.headers.get('Retry-After');
          assert.match(retryAfter ?? '', /^[1-9]\d*$/, 'Retry-After must be whole seconds');
          limited.push({ eventId, waitMs: Number(retryAfter) * 1000 });
        }
      }
      const elapsed = (performance.now() - started) / 1000;
      // The mount took one token; refills during the flood may add a few.
      const allowed = BURST - 1 + Math.ceil(elapsed * RATE);
      assert.ok(limited.length > 0, 'a flood past the burst was never limited');
      assert.ok(accepted.length <= allowed, `${accepted.length} events accepted in ${elapsed.toFixed(2)} s; at most ${allowed} may be`);
      const ran = app.eventCalls.filter((call) => call.instance === 'flood').map((call) => call.eventId);
      assert.deepEqual(ran.sort(), [...accepted].sort(), 'exactly the accepted events ran; no limited one');

      // Another session is not slowed down by this one's flood.
      await other.send({ event: 'increment', type: 'Doc', instance: 'flood', payload: {}, eventId: 'other-during-flood' });
      await other.messages.next(acks('other-during-flood'));

      // Wait as long as the server asked (the point of the test, not a guess), then send the same event again.
      const retry = limited[0]!;
      await delay(Math.max(...limited.map((entry) => entry.waitMs)) + 20);
      await flooder.send(event(retry.eventId));
      await flooder.messages.next(acks(retry.eventId));
      assert.equal(app.eventCalls.filter((call) => call.eventId === retry.eventId).length, 1, 'the retried event ran exactly once');
      assert.ok(await serverAnswers(server));
    });

    test('a refused event holds the line: nothing sent behind it is taken until it comes again, so nothing runs out of order', async () => {
      const client = await openAs(transport.name, server, 'pipeliner', undefined);
      const cookie = sessionCookieFor(server.baseUrl)!;
      await client.mount('Doc', 'ordered');
      const event = (i: number) => ({ event: 'increment', type: 'Doc', instance: 'ordered', payload: {}, eventId: `ordered-${i}` });
      /** Sends event i and resolves with its answer. */
      const attempt = async (i: number): Promise<{ taken: boolean; code?: string; waitMs?: number }> => {
        const { eventId } = event(i);
        if (client.ws) {
          const answered = client.ws.messages.next((m) => answerTo(m, eventId) !== undefined, undefined, `the answer to ${eventId}`);
          client.ws.socket.send(JSON.stringify(event(i)));
          const answer = answerTo(await answered, eventId)!;
          return answer.action === 'ack' ? { taken: true } : { taken: false, code: answer.code!, waitMs: answer.retryAfterMs! };
        }
        const response = await fetch(`${server.baseUrl}/nasc/event`, {
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...event(i), clientId: 'pipeliner' }),
        });
        const body = (await response.json()) as { code?: string };
        return response.status === 202 ? { taken: true } : { taken: false, code: body.code!, waitMs: Number(response.headers.get('Retry-After')) * 1000 };
      };
      const count = 3 * BURST;
      // Over WS the events are pipelined: all on the socket before any answer.
      const first: { taken: boolean; code?: string; waitMs?: number }[] = [];
      if (client.ws) {
        const ws = client.ws;
        for (let i = 0; i < count; i++) ws.socket.send(JSON.stringify(event(i)));
        const pending = new Set(Array.from({ length: count }, (_, i) => i));
        while (pending.size > 0) {
          const message = await ws.messages.next((m) => [...pending].some((i) => answerTo(m, `ordered-${i}`)), undefined, 'an answer to a pipelined event');
          for (const i of [...pending]) {
            const answer = answerTo(message, `ordered-${i}`);
            if (!answer) continue;
            pending.delete(i);
            first[i] = answer.action === 'ack' ? { taken: true } : { taken: false, code: answer.code!, waitMs: answer.retryAfterMs! };
          }
        }
      } else {
        for (let i = 0; i < count; i++) first.push(await attempt(i));
      }
      const refused = first.flatMap((answer, i) => (answer.taken ? [] : [i]));
      assert.ok(refused.length > 0, 'the flood was never limited');
      for (const i of refused) assert.equal(first[i]!.code, 'rate_limited');
      const [head] = refused;
      const behind = refused.at(-1)!;
      assert.ok(behind > head!, 'more than one event was refused');

      // The wait is over, but the event sent behind the refused one still is not taken: the refused one leads.
      await delay(Math.max(...refused.map((i) => first[i]!.waitMs!)) + 20);
      const jumped = await attempt(behind);
      assert.deepEqual([jumped.taken, jumped.code], [false, 'rate_limited'], `ordered-${behind} overtook ordered-${head}`);
      assert.ok(jumped.waitMs! > 0 && jumped.waitMs! <= 1_000, `wait ${jumped.waitMs}`);

      // Sent again in order, each after the wait it is told, every refused event is taken once.
      for (const i of refused) {
        for (let tries = 0; ; tries++) {
          const answer = await attempt(i);
          if (answer.taken) break;
          assert.ok(tries < 20, `ordered-${i} was never taken`);
          await delay(answer.waitMs! + 10);
        }
      }
      const ran = app.eventCalls.filter((call) => call.instance === 'ordered').map((call) => Number(call.eventId!.slice('ordered-'.length)));
      assert.deepEqual(ran, Array.from({ length: count }, (_, i) => i), 'every event ran once, in the order sent');
    });

    if (transport.name === 'sse') {
      test('rotating the client id on every POST does not escape the limit: a session gets at most twice a client\'s budget', async () => {
        // Client ids are the caller's to choose, and an event (unlike a mount) needs no open stream.
        const started = performance.now();
        const results: number[] = [];
        for (let i = 0; i < 10 * BURST; i++) {
          const reply = await postEvent(server.baseUrl, { event: 'increment', type: 'Doc', instance: 'flood', payload: {}, clientId: `rotating-${i}` });
          results.push(reply.status);
        }
        const elapsed = (performance.now() - started) / 1000;
        const accepted = results.filter((status) => status === 202).length;
        const allowed = 2 * BURST + Math.ceil(2 * RATE * elapsed);
        assert.ok(
          accepted <= allowed,
          `${accepted} of ${results.length} events from one session were accepted in ${elapsed.toFixed(2)} s by naming a new client id each ` +
            `time; a session may send at most 2 × eventBurst + 2 × eventsPerSecond × elapsed = ${allowed} (server/engine.ts handle(): ` +
            'the per-session bucket next to the per-client one)',
        );
        assert.ok(results.includes(429), 'the rotating flood was never limited');
        assert.ok(results.every((status) => status === 202 || status === 429), `only 202 and 429 are expected, got ${[...new Set(results)].join(', ')}`);
      });
    }
  });
}

describe('stream and mount limits (streamsPerSession 2, mountsPerSession 2)', () => {
  let app: TestApp;
  let server: TestServer;

  before(async () => {
    app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, limits: { streamsPerSession: 2, mountsPerSession: 2 } });
    await waitFor(() => server.nasc.engine.connectionCount === 0, 'the bootstrap stream is gone');
  });
  after(() => server.close());

  test('a third stream of one session → 429 too_many_streams with Retry-After, over SSE and WS; replacing one is allowed', async (t) => {
    const session = await issueSession(server);
    const first = await openAs('sse', server, 'tab-1', session.cookie);
    const second = await openAs('ws', server, 'tab-2', session.cookie);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    await assert.rejects(SseClient.connect(`${server.baseUrl}/nasc/events?clientId=tab-3`, { cookie: session.cookie }), (error: unknown) => {
      assert.ok(error instanceof SseRefusedError, String(error));
      assert.equal(error.status, 429);
      assert.equal((JSON.parse(error.body) as { code: string }).code, 'too_many_streams');
      return true;
    });
    const refusedUpgrade = await handshake(`${server.wsBaseUrl}/nasc/ws?clientId=tab-3`, { Cookie: session.cookie });
    assert.equal(refusedUpgrade.status, 429);
    assert.match(String(refusedUpgrade.headers['retry-after']), /^[1-9]\d*$/, 'the refused upgrade says when to retry');
    const sseAnswer = await fetch(`${server.baseUrl}/nasc/events?clientId=tab-3`, { headers: { Cookie: session.cookie } });
    assert.equal(sseAnswer.status, 429);
    assert.match(sseAnswer.headers.get('Retry-After') ?? '', /^[1-9]\d*$/);
    await sseAnswer.body?.cancel();

    // The same tab reconnecting replaces its stream: not a new one.
    const replacement = await openAs('sse', server, 'tab-1', session.cookie);
    t.after(() => replacement.close());
    // Another session is not affected.
    const elsewhere = await issueSession(server);
    const stranger = await openAs('ws', server, 'stranger', elsewhere.cookie);
    await stranger.close();
    assert.ok(await serverAnswers(server));
  });

  test('a third mount of one session → 429 too_many_mounts; a mounted instance may be mounted again; unmount frees a slot', async (t) => {
    for (const transportName of ['sse', 'ws'] as const) {
      const session = await issueSession(server);
      const client = await openAs(transportName, server, `mounter-${transportName}`, session.cookie);
      t.after(() => client.close());
      await client.mount('Doc', `${transportName}-a`);
      await client.mount('Doc', `${transportName}-b`);
      const refusal = await client.refuse({ event: 'mount', type: 'Doc', instance: `${transportName}-c`, payload: {}, eventId: 'third' });
      assert.deepEqual([refusal.code, refusal.eventId], ['too_many_mounts', 'third']);
      if (transportName === 'sse') assert.equal(refusal.status, 429);
      else assert.ok((refusal.patch?.retryAfterMs ?? 0) > 0, 'the error patch says when to retry');
      assert.equal(app.mountCalls.some((call) => call.instance === `${transportName}-c`), false, 'the refused mount created the instance');
      await client.mount('Doc', `${transportName}-a`);
      await client.send({ event: 'unmount', type: 'Doc', instance: `${transportName}-a`, payload: {}, eventId: 'unmount-a' });
      // An unmount has no answer of its own; an event queued behind it on the same instance shows it is done.
      await client.send({ event: 'same', type: 'Doc', instance: `${transportName}-a`, payload: {}, eventId: 'after-unmount' });
      await client.messages.next(acks('after-unmount'));
      await client.send({ event: 'mount', type: 'Doc', instance: `${transportName}-c`, payload: {}, eventId: 'mount-c' });
      await client.messages.next(isSnapshotOf('Doc', `${transportName}-c`));
      await client.close();
    }
  });

  test('a burst of simultaneous mounts does not overshoot mountsPerSession', async (t) => {
    const counts: string[] = [];
    for (const transportName of ['sse', 'ws'] as const) {
      const session = await issueSession(server);
      const client = await openAs(transportName, server, `racer-${transportName}`, session.cookie);
      t.after(() => client.close());
      const names = Array.from({ length: 6 }, (_, i) => `race-${transportName}-${i}`);
      let mounted = 0;
      if (client.ws) {
        for (const name of names) client.ws.socket.send(JSON.stringify({ event: 'mount', type: 'Doc', instance: name, payload: {}, eventId: name }));
        // Refusals come back at once, snapshots later: take the answers in whatever order they arrive.
        const pending = new Set(names);
        const answers = (message: ServerMessage, name: string) =>
          isSnapshotOf('Doc', name)(message) || errorsOf(message).some((patch) => patch.eventId === name);
        while (pending.size > 0) {
          const message = await client.messages.next((m) => [...pending].some((name) => answers(m, name)), undefined, 'a mount answer');
          for (const name of [...pending]) {
            if (!answers(message, name)) continue;
            pending.delete(name);
            if (errorsOf(message).length === 0) mounted += 1;
          }
        }
      } else {
        const replies = await Promise.all(
          names.map((name) =>
            postEvent(server.baseUrl, { event: 'mount', type: 'Doc', instance: name, payload: {}, clientId: client.clientId }, { cookie: session.cookie }),
          ),
        );
        mounted = replies.filter((reply) => reply.status === 202).length;
      }
      counts.push(`${transportName}: ${mounted} of 6`);
      await client.close();
    }
    assert.ok(
      counts.every((count) => Number(count.split(' ')[1]) <= 2),
      `simultaneous mounts accepted with mountsPerSession 2 (${counts.join(', ')}): a mount counts in #mountCount() only once its ` +
        'snapshot went out, so mounts still queued must count toward the limit too (server/engine.ts handle())',
    );
  });
});
