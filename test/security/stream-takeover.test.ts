/**
 * Stream takeover: an attacker who learned a victim tab's client id (it is not a secret: it sits in the page's
 * sessionStorage, in URLs, in logs) tries to open a stream under it or to send events as it. A client id
 * belongs to the session holding it, so every attempt from another session is refused and the victim's stream
 * carries on untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freshSnapshot, issueSession, openAs, type CookieClient, type IssuedSession } from '../support/adversary.js';
import { postEvent } from '../support/post-event.js';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const VICTIM_ID = 'victim-tab-5f2c';
const TARGET = 'target';

function codeOf(body: string): string {
  return (JSON.parse(body) as { code: string }).code;
}

for (const victimTransport of transports) {
  describe(`stream takeover of a victim on ${victimTransport.name}`, () => {
    let app: TestApp;
    let server: TestServer;
    let victim: CookieClient;
    let attacker: IssuedSession;
    let baseline: string;
    let sentinels = 0;

    before(async () => {
      app = createTestApp();
      server = await startTestServer({ handlers: app.handlers, schemas: app.schemas });
      victim = await openAs(victimTransport.name, server, VICTIM_ID, undefined);
      await victim.mount('Doc', TARGET);
      attacker = await issueSession(server);
      baseline = await freshSnapshot(server, 'Doc', TARGET);
    });
    after(() => server.close());

    /**
     * The victim's stream is alive and nothing reached it since its last read: an event it sends now is
     * answered by the very next message, and the instance is as it was.
     */
    async function assertVictimUntouched(): Promise<void> {
      const eventId = `victim-sentinel-${++sentinels}`;
      await victim.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId });
      const next = await victim.messages.next(undefined, undefined, `the answer to ${eventId}`);
      assert.ok(acks(eventId)(next), `the next message on the victim's stream must be its own ack, got ${next.text}`);
      assert.equal(await freshSnapshot(server, 'Doc', TARGET), baseline, 'the target instance changed');
      const forged = app.eventCalls.filter((call) => call.eventId.startsWith('forged'));
      assert.deepEqual(forged, [], 'a handler ran for an attacker event');
    }

    test('GET /events with the victim client id, from another session or with no cookie → 403 client_id_taken', async () => {
      for (const cookie of [attacker.cookie, null]) {
        await assert.rejects(
          SseClient.connect(`${server.baseUrl}/nasc/events?clientId=${VICTIM_ID}`, { cookie }),
          (error: unknown) => {
            assert.ok(error instanceof SseRefusedError, String(error));
            assert.equal(error.status, 403);
            assert.equal(codeOf(error.body), 'client_id_taken');
            return true;
          },
          `cookie ${String(cookie)}`,
        );
      }
      await assertVictimUntouched();
    });

    test('GET /ws upgrade with the victim client id, from another session or with no cookie → 403', async () => {
      for (const cookie of [attacker.cookie, null]) {
        await assert.rejects(
          WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${VICTIM_ID}`, { cookie }),
          (error: unknown) => {
            assert.ok(error instanceof WsHandshakeError, String(error));
            assert.equal(error.status, 403);
            return true;
          },
          `cookie ${String(cookie)}`,
        );
      }
      await assertVictimUntouched();
    });

    test('the victim stream was never replaced: it is still registered and open', async () => {
      if (victim.sse) assert.equal(victim.sse.messages.ended, false, 'the victim SSE stream ended');
      if (victim.ws) assert.equal(victim.ws.socket.readyState, victim.ws.socket.OPEN, 'the victim socket closed');
      await assertVictimUntouched();
    });

    test('POST events and mounts as the victim client id from another session → 403 client_id_taken, nothing applied', async () => {
      const bodies = [
        { event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'forged-1' },
        { event: 'set', type: 'Doc', instance: TARGET, payload: { prop: 'title', value: 'owned' }, eventId: 'forged-2' },
        { event: 'mount', type: 'Doc', instance: 'attacker-made', payload: {}, eventId: 'forged-3' },
        { event: 'mount', type: 'Doc', instance: TARGET, payload: {}, eventId: 'forged-4' },
        { event: 'unmount', type: 'Doc', instance: TARGET, payload: {}, eventId: 'forged-5' },
      ];
      for (const body of bodies) {
        const reply = await postEvent(server.baseUrl, { ...body, clientId: VICTIM_ID }, { cookie: attacker.cookie });
        assert.deepEqual([reply.status, reply.body.code, reply.body.eventId], [403, 'client_id_taken', body.eventId], JSON.stringify(body));
      }
      // Without any cookie the POST does not even reach the engine.
      const anonymous = await postEvent(server.baseUrl, { ...bodies[0], clientId: VICTIM_ID }, { cookie: null });
      assert.deepEqual([anonymous.status, anonymous.body.code], [403, 'no_session']);
      assert.deepEqual(app.mountCalls.map((call) => call.instance), [TARGET], 'the attacker created an instance');
      await assertVictimUntouched();
    });

    test('the victim keeps its subscription: a change by someone else still reaches it', async () => {
      const other = await openAs('sse', server, 'bystander', attacker.cookie);
      await other.mount('Doc', TARGET);
      await other.send({ event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'bystander-1' });
      const batch = await victim.messages.next((message) => bindUpdatesOf(message).length > 0, undefined, 'the bystander change');
      assert.deepEqual(bindUpdatesOf(batch).map((patch) => [patch.prop, patch.value]), [['count', 1]]);
      await other.close();
      baseline = await freshSnapshot(server, 'Doc', TARGET);
      await assertVictimUntouched();
    });

    test('once the victim has left, its id is free, but the new holder inherits nothing from it', async () => {
      await victim.close();
      await waitFor(() => server.nasc.engine.connectionCount === 0, 'the victim stream is unregistered');
      const heir = await openAs(victimTransport.name, server, VICTIM_ID, attacker.cookie);
      // A change the victim's subscription would have carried: the heir never subscribed, so it sees nothing.
      const third = await openAs('sse', server, 'third-party', undefined);
      await third.send({ event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'third-1' });
      await third.messages.next(acks('third-1'));
      await heir.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'heir-1' });
      const next = await heir.messages.next();
      assert.ok(acks('heir-1')(next), `the heir got something before its own ack: ${next.text}`);
      await heir.close();
      await third.close();
    });
  });
}
