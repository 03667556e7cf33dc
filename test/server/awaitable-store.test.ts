/**
 * A store may answer at once or with promises (`Awaitable`): the engine awaits only promises, so both kinds
 * must give the same patches, acks and dedupe. The memory store answers at once; this one wraps every answer
 * of a real memory store in a promise, as a networked store would.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, type CommitRequest, type EventOutcome, type InstanceRecord, type LogEntry } from '../../server/index.js';
import { acks, bindUpdatesOf } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

class PromisingStore extends MemoryStore {
  calls = 0;
  override async load(type: string, instance: string): Promise<InstanceRecord | undefined> {
    this.calls += 1;
    return super.load(type, instance);
  }
  override async commit(type: string, instance: string, request: CommitRequest): Promise<boolean> {
    this.calls += 1;
    return super.commit(type, instance, request);
  }
  override async readLog(type: string, instance: string, afterRev: number): Promise<LogEntry[] | undefined> {
    this.calls += 1;
    return super.readLog(type, instance, afterRev);
  }
  override async recallOutcome(type: string, instance: string, eventId: string): Promise<EventOutcome | undefined> {
    this.calls += 1;
    return super.recallOutcome(type, instance, eventId);
  }
  override async saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Promise<void> {
    this.calls += 1;
    return super.saveOutcome(type, instance, eventId, outcome, sender);
  }
}

for (const transport of transports) {
  describe(`stores answering at once or with promises, over ${transport.name}`, () => {
    for (const [label, makeStore] of [
      ['at once (MemoryStore)', () => new MemoryStore()],
      ['with promises', () => new PromisingStore()],
    ] as const) {
      test(`${label}: each event is applied once, in order, and a retry gets its first answer`, async (t) => {
        const app = createTestApp();
        const store = makeStore();
        const server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, store });
        t.after(() => server.close());
        const client = await transport.open(server, 'tab');
        await client.mount('Doc', 'counted');
        const counts: unknown[] = [];
        for (const eventId of ['e1', 'e2', 'e3', 'e2']) {
          await client.send({ event: 'increment', type: 'Doc', instance: 'counted', payload: {}, eventId });
          const answer = await client.messages.next(acks(eventId));
          counts.push(bindUpdatesOf(answer).find((patch) => patch.prop === 'count')?.value);
        }
        // The retried e2 changes nothing: its ack comes alone, without a patch.
        assert.deepEqual(counts, [1, 2, 3, undefined]);
        assert.equal(app.eventCalls.filter((call) => call.event === 'increment').length, 3);
        if (store instanceof PromisingStore) assert.ok(store.calls > 0, 'the promising store was used');
      });
    }
  });
}
