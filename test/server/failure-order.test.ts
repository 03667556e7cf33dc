/**
 * A client's events are applied in the order it sent them, even when one of them fails on the way in (the
 * store throws): the failed one is answered "send it again", the ones pipelined behind it are held
 * (`retry_first`) until it comes again, and then all of them are applied once, in order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, type CommitRequest } from '../../server/index.js';
import { openAs, type CookieClient } from '../support/adversary.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { answerTo, type ServerMessage } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

/** Fails the first commit of the event named `fail-once`; records the order in which events were committed. */
class FlakyStore extends MemoryStore {
  readonly committed: string[] = [];
  #failed = false;

  override commit(type: string, instance: string, request: CommitRequest) {
    const eventId = request.outcome?.eventId.split('\u001f').at(-1);
    if (eventId === 'fail-once' && !this.#failed) {
      this.#failed = true;
      throw new Error('SQLITE_FULL: database or disk is full');
    }
    const done = super.commit(type, instance, request);
    if (eventId !== undefined) this.committed.push(eventId);
    return done;
  }
}

type Answer = { taken: true } | { taken: false; code: string; waitMs: number | undefined };

function answerIn(message: ServerMessage, eventId: string): Answer | undefined {
  const patch = answerTo(message, eventId);
  if (!patch) return undefined;
  return patch.action === 'ack' ? { taken: true } : { taken: false, code: patch.code ?? '', waitMs: patch.retryAfterMs };
}

for (const transport of transports) {
  describe(`a failed event holds its client's line over ${transport.name}`, () => {
    test('events behind it are held until it comes again; then all are applied once, in order', async (t) => {
      const store = new FlakyStore();
      const app = createTestApp();
      const server: TestServer = await startTestServer({ handlers: app.handlers, schemas: app.schemas, store });
      t.after(() => server.close());
      const client: CookieClient = await openAs(transport.name, server, 'orderly', undefined);
      const cookie = sessionCookieFor(server.baseUrl)!;
      await client.mount('Doc', 'ledger');
      const ids = ['ok-1', 'fail-once', 'ok-3', 'ok-4'];
      const event = (eventId: string) => ({ event: 'increment', type: 'Doc', instance: 'ledger', payload: {}, eventId });

      /** Sends the events (pipelined on WS, one after another over HTTP) and collects each one's answer. */
      const send = async (batch: string[]): Promise<Map<string, Answer>> => {
        const answers = new Map<string, Answer>();
        if (client.ws) {
          for (const eventId of batch) client.ws.socket.send(JSON.stringify(event(eventId)));
          while (answers.size < batch.length) {
            const message = await client.ws.messages.next((m) => batch.some((id) => !answers.has(id) && answerIn(m, id)), 10_000, 'an answer');
            for (const id of batch) {
              const answer = answerIn(message, id);
              if (answer && !answers.has(id)) answers.set(id, answer);
            }
          }
          return answers;
        }
        for (const eventId of batch) {
          const response = await fetch(`${server.baseUrl}/nasc/event`, {
            method: 'POST',
            headers: { Cookie: cookie, 'Content-Type': 'application/json' },
            body: JSON.stringify({ ...event(eventId), clientId: 'orderly' }),
          });
          const body = (await response.json()) as { code?: string };
          const retryAfter = response.headers.get('Retry-After');
          answers.set(eventId, response.status === 202 ? { taken: true } : { taken: false, code: body.code ?? `http_${response.status}`, waitMs: retryAfter === null ? undefined : Number(retryAfter) * 1000 });
        }
        return answers;
      };

      const first = await send(ids);
      assert.deepEqual(first.get('ok-1'), { taken: true });
      const failed = first.get('fail-once')!;
      assert.equal(failed.taken, false);
      assert.equal((failed as { code: string }).code, 'internal');
      for (const id of ['ok-3', 'ok-4']) {
        const held = first.get(id)!;
        assert.equal(held.taken, false, `${id} must not overtake fail-once`);
        assert.equal((held as { code: string }).code, 'retry_first', `${id}: ${JSON.stringify(held)}`);
        assert.ok(((held as { waitMs?: number }).waitMs ?? 0) > 0, 'told to send it again');
      }
      assert.deepEqual(store.committed, ['ok-1']);

      // Sent again in order, starting with the failed one: each is applied once, in the order sent.
      const again = await send(['fail-once', 'ok-3', 'ok-4']);
      for (const id of ['fail-once', 'ok-3', 'ok-4']) assert.deepEqual(again.get(id), { taken: true }, id);
      assert.deepEqual(store.committed, ids);
    });
  });
}
