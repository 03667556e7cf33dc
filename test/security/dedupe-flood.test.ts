/**
 * At most once, under a flood: a client's event outcomes are kept per sender (its session), so other
 * sessions' traffic, however large, cannot push them out while the client may still send the event again.
 * The old single window of 100,000 outcomes for the whole server was flushed by 105,127 no-op events from
 * other sessions, after which the victim's resent event was applied again and overwrote a newer edit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, SqliteStore, type Store } from '../../server/index.js';
import { floodEvents } from '../support/event-flood.js';
import { acks, answers, bindUpdatesOf, type ServerMessage } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { transports, type Session } from '../support/transport.js';

/** More than the old window held for the whole server. */
const FLOOD_SESSIONS = 4;
const FLOOD_PER_SESSION = 26_500;
const PER_SENDER = 4_096;

function titleOf(message: ServerMessage): unknown {
  return bindUpdatesOf(message).find((patch) => patch.prop === 'title')?.value;
}

async function setTitle(client: Session, title: string, eventId: string): Promise<ServerMessage> {
  await client.send({ event: 'set', type: 'Doc', instance: 'shared', payload: { prop: 'title', value: title }, eventId });
  return client.messages.next(answers(eventId), undefined, `the answer to ${eventId}`);
}

const stores: [string, () => Store][] = [
  ['memory store', () => new MemoryStore()],
  ['SQLite store', () => new SqliteStore()],
];

for (const [storeName, makeStore] of stores) {
  // The store is the same whatever the transport: the SQLite store runs once, with a WS victim.
  for (const transport of storeName === 'memory store' ? transports : transports.filter((each) => each.name === 'ws')) {
    describe(`a flood of other sessions' events over WS, the victim over ${transport.name}, ${storeName}`, () => {
      test(`${FLOOD_SESSIONS * FLOOD_PER_SESSION} no-op events from ${FLOOD_SESSIONS} other sessions do not make the victim's resent event apply again`, { timeout: 120_000 }, async (t) => {
        const app = createTestApp();
        const store = makeStore();
        const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, store });
        t.after(() => server.close());
        const victim = await transport.open(server, 'victim');
        await victim.mount('Doc', 'shared');
        const first = await setTitle(victim, 'first edit', 'victim-edit-1');
        assert.equal(titleOf(first), 'first edit');
        await setTitle(victim, 'newer edit', 'victim-edit-2');

        const answered = await floodEvents(server, { sessions: FLOOD_SESSIONS, perSession: FLOOD_PER_SESSION, type: 'Doc', instance: 'shared', event: 'same' });
        assert.equal(answered, FLOOD_SESSIONS * FLOOD_PER_SESSION, 'every flood event was applied (no limit reached)');

        // The tab never saw its first ack (say) and sends the event again, with the same id.
        const resent = await setTitle(victim, 'first edit', 'victim-edit-1');
        assert.deepEqual(
          resent.patches,
          [{ action: 'ack', eventId: 'victim-edit-1', type: 'Doc', instance: 'shared', rev: 2 }],
          'answered from the outcome kept for the victim: the first ack alone, nothing applied',
        );
        assert.equal(app.eventCalls.filter((call) => call.eventId === 'victim-edit-1').length, 1, 'the handler ran once for it');
        await victim.send({ event: 'same', type: 'Doc', instance: 'shared', payload: {}, eventId: 'victim-probe' });
        const probe = await victim.messages.next(acks('victim-probe'));
        assert.equal(probe.patches.find((patch) => patch.action === 'ack')?.rev, 3, 'still at the newer edit');
        const fresh = await transport.open(server, 'checker');
        assert.equal(titleOf(await fresh.mount('Doc', 'shared')), 'newer edit', 'the newer edit was not overwritten');

        if (store instanceof MemoryStore) {
          // Each sender keeps its own window: memory stays bounded by senders × window.
          assert.ok(store.outcomeCount <= (FLOOD_SESSIONS + 2) * PER_SENDER, `${store.outcomeCount} outcomes kept`);
        }
      });
    });
  }
}
