/**
 * Event injection into another session: per-session instances (`resolveInstance`: `currentUser` → this
 * session's `user-<session>`) and the `authorize` hook guarding the resolved names. An attacker with its own
 * session and its own client id changes only its own user; naming the victim's resolved instance directly (by
 * mount, event or resume cursor) is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import type { AccessRequest, HandlerContext } from '../../server/index.js';
import { freshSnapshot, issueSession, openAs, sessionIdOf, type CookieClient, type IssuedSession } from '../support/adversary.js';
import { acks, bindUpdatesOf, errorsOf } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

interface Call {
  session: string;
  instance: string;
  event: string;
}

function createUserApp() {
  const calls: Call[] = [];
  const record = (ctx: HandlerContext): void => {
    calls.push({ session: ctx.session, instance: ctx.instance, event: ctx.event });
  };
  const User = {
    mount: (): JsonObject => ({ name: 'anonymous' }),
    rename(payload: JsonObject, state: JsonObject, ctx: HandlerContext): JsonObject {
      record(ctx);
      return { ...state, name: String(payload.name) };
    },
    ping(_payload: JsonObject, state: JsonObject, ctx: HandlerContext): JsonObject {
      record(ctx);
      return state;
    },
  };
  return { handlers: { User }, calls };
}

/** The resolver and guard from the server guide, word for word. */
const resolveInstance = ({ session, type, instance }: { session: string; type: string; instance: string }): string =>
  type === 'User' && instance === 'currentUser' ? `user-${session}` : instance;

for (const transport of transports) {
  describe(`per-session instances over ${transport.name}`, () => {
    let server: TestServer;
    let calls: Call[];
    const decisions: (AccessRequest & { allowed: boolean })[] = [];
    let victim: CookieClient;
    let attacker: CookieClient;
    let attackerSession: IssuedSession;
    let victimSession: string;
    let victimUser: string;
    let sentinels = 0;

    before(async () => {
      const app = createUserApp();
      calls = app.calls;
      server = await startTestServer({
        handlers: app.handlers,
        resolveInstance,
        authorize: (request) => {
          const allowed = request.type !== 'User' || request.instance === `user-${request.session}`;
          decisions.push({ ...request, allowed });
          return allowed;
        },
      });
      victimSession = sessionIdOf(sessionCookieFor(server.baseUrl)!);
      victimUser = `user-${victimSession}`;
      victim = await openAs(transport.name, server, 'victim-tab', undefined);
      const snapshot = await victim.mount('User', 'currentUser');
      assert.ok(snapshot.patches.every((patch) => !('instance' in patch) || patch.instance === 'currentUser'), snapshot.text);
      await victim.send({ event: 'rename', type: 'User', instance: 'currentUser', payload: { name: 'Victim' }, eventId: 'v-rename' });
      await victim.messages.next(acks('v-rename'));
      attackerSession = await issueSession(server);
      attacker = await openAs(transport.name, server, 'attacker-tab', attackerSession.cookie);
    });
    after(() => server.close());

    async function victimName(): Promise<unknown> {
      const text = await freshSnapshot(server, 'User', 'currentUser');
      const message = JSON.parse(text) as { action: string; prop?: string; value?: unknown }[];
      return message.find((patch) => patch.action === 'bindUpdate' && patch.prop === 'name')?.value;
    }

    /** Nothing reached the victim since its last read, and its user still holds its own name. */
    async function assertVictimUntouched(): Promise<void> {
      const eventId = `victim-ping-${++sentinels}`;
      await victim.send({ event: 'ping', type: 'User', instance: 'currentUser', payload: {}, eventId });
      const next = await victim.messages.next();
      assert.ok(acks(eventId)(next), `the victim got something before its own ack: ${next.text}`);
      assert.equal(await victimName(), 'Victim');
      assert.deepEqual(
        calls.filter((call) => call.session !== victimSession && call.instance === victimUser),
        [],
        'a handler ran on the victim user for another session',
      );
    }

    test('the attacker\'s "currentUser" is its own: it starts blank and its changes reach only itself', async () => {
      const snapshot = await attacker.mount('User', 'currentUser');
      assert.deepEqual(
        bindUpdatesOf(snapshot).map((patch) => [patch.instance, patch.prop, patch.value]),
        [['currentUser', 'name', 'anonymous']],
        'the attacker saw the victim\'s user',
      );
      await attacker.send({ event: 'rename', type: 'User', instance: 'currentUser', payload: { name: 'Mallory' }, eventId: 'a-rename' });
      const batch = await attacker.messages.next(acks('a-rename'));
      assert.deepEqual(bindUpdatesOf(batch).map((patch) => [patch.instance, patch.value]), [['currentUser', 'Mallory']]);
      assert.ok(!batch.text.includes(victimSession) && !batch.text.includes(attackerSession.session), 'a resolved name leaked to the page');
      assert.deepEqual(calls.at(-1), { session: attackerSession.session, instance: `user-${attackerSession.session}`, event: 'rename' });
      await assertVictimUntouched();
    });

    test('naming the victim\'s resolved instance directly → forbidden, for mounts and events', async () => {
      for (const event of ['mount', 'rename', 'ping']) {
        const eventId = `direct-${event}`;
        const refusal = await attacker.refuse({ event, type: 'User', instance: victimUser, payload: { name: 'pwned' }, eventId });
        assert.equal(refusal.code, 'forbidden', `${event}: ${refusal.message}`);
        assert.equal(refusal.eventId, eventId);
        if (transport.name === 'sse') assert.equal(refusal.status, 403);
        else assert.equal(refusal.patch?.instance, victimUser);
        const decision = [...decisions].reverse().find((request) => request.requested === victimUser);
        assert.deepEqual(
          decision && [decision.session, decision.instance, decision.event, decision.allowed],
          [attackerSession.session, victimUser, event, false],
        );
      }
      await assertVictimUntouched();
    });

    test('a resuming mount (with rev) of the victim\'s resolved instance delivers nothing of it', async () => {
      const resumed = await openAs(transport.name, server, 'attacker-resume', attackerSession.cookie);
      const refusal = await resumed.refuse({ event: 'mount', type: 'User', instance: victimUser, payload: {}, rev: 1, eventId: 'resume-victim' });
      assert.equal(refusal.code, 'forbidden');
      const expected = transport.name === 'sse' ? 1 : 2;
      assert.equal(
        resumed.messages.received.length,
        expected,
        `the resuming stream got more than its greeting: ${resumed.messages.received.map((message) => message.text).join(' | ')}`,
      );
      assert.ok(!resumed.messages.received.some((message) => message.text.includes('Victim')), 'the victim\'s name leaked');
      assert.ok(
        decisions.some(
          (request) => request.session === attackerSession.session && request.instance === victimUser && request.event === 'mount' && !request.allowed,
        ),
        'authorize was asked about the resumed instance',
      );
      await resumed.close();
      await assertVictimUntouched();
    });

    test('a change to the victim\'s user is seen by the victim only', async () => {
      await victim.send({ event: 'rename', type: 'User', instance: 'currentUser', payload: { name: 'Victim' }, eventId: 'v-rename-2' });
      await victim.messages.next(acks('v-rename-2'));
      await attacker.send({ event: 'ping', type: 'User', instance: 'currentUser', payload: {}, eventId: 'a-ping' });
      const next = await attacker.messages.next();
      assert.ok(acks('a-ping')(next), `the attacker got something before its own ack: ${next.text}`);
      assert.equal(errorsOf(next).length, 0);
      await assertVictimUntouched();
    });
  });
}
