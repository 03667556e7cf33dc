/**
 * The receiving side of the Redis broker, on a real engine: with several publishers, a batch committed by
 * one process can reach a process before the message (from another process) that subscribes a stream to
 * the instance. The catch-up sends such batches right after the subscription, and drops the log replay of
 * what it already sent. No Redis needed: bus messages are handed in directly, in the order under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PatchAction, type BindUpdatePatch } from '../../protocol/index.js';
import type { BrokerReceiver, ClientChannel } from '../../server/index.js';
import { LocalBroker, NascEngine } from '../../server/index.js';
import { CatchUp } from '../../server/redis/redis-catch-up.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { CounterHandler } from './support/scale-handlers.js';

/** A stream that keeps what it was sent. */
class RecordingChannel implements ClientChannel {
  readonly messages: string[] = [];

  send(message: string): void {
    this.messages.push(message);
  }

  close(): void {}
}

function batchAt(rev: number): string {
  const patch: BindUpdatePatch = { action: PatchAction.BindUpdate, type: 'Counter', instance: 'x', prop: 'count', value: rev - 1, rev };
  return JSON.stringify([patch]);
}

/** A broker that hands out what the engine attached to it: where a bus message is delivered. */
class ReceiverOf extends LocalBroker {
  receiver: BrokerReceiver | undefined;

  override attach(receiver: BrokerReceiver): void {
    this.receiver = receiver;
    super.attach(receiver);
  }
}

function setup(): { catchUp: CatchUp; channel: RecordingChannel; clientKey: string; engine: NascEngine } {
  const broker = new ReceiverOf();
  const engine = new NascEngine({ handlers: { Counter: CounterHandler }, logger: createMemoryLogger(), broker });
  const channel = new RecordingChannel();
  engine.open({ session: 's', clientId: 'c' }, channel);
  return { catchUp: new CatchUp(broker.receiver!), channel, clientKey: 's\u001fc', engine };
}

describe('catch-up after a subscription (Redis broker, receiving side)', () => {
  test('a batch that arrived before the subscribing message is sent right after it', () => {
    const { catchUp, channel, clientKey, engine } = setup();
    // Process C committed rev 6 and its batch arrives first; the stream is not subscribed yet.
    catchUp.batch({ type: 'Counter', instance: 'x', rev: 6, batch: batchAt(6) });
    // Then process B's answer to the mount, made from rev 5: subscribe, with the snapshot.
    const snapshot = JSON.stringify([{ action: PatchAction.Snapshot, type: 'Counter', instance: 'x', rev: 5 }]);
    catchUp.direct({ stream: clientKey, position: { type: 'Counter', instance: 'x', rev: 5, subscribe: true }, message: snapshot });
    assert.deepEqual(channel.messages, ['[]', snapshot, batchAt(6)], 'rev 6 follows the snapshot at once');
    // Later batches flow as usual.
    catchUp.batch({ type: 'Counter', instance: 'x', rev: 7, batch: batchAt(7) });
    assert.deepEqual(channel.messages.slice(3), [batchAt(7)]);
    void engine.shutdown();
  });

  test('the log replay of what catch-up already sent is dropped; a new subscription starts over', () => {
    const { catchUp, channel, clientKey, engine } = setup();
    for (const rev of [3, 4, 5]) catchUp.batch({ type: 'Counter', instance: 'x', rev, batch: batchAt(rev) });
    // A resume from rev 2 handled by another process: subscribe at 2, then the log's 3, 4, 5.
    catchUp.direct({ stream: clientKey, position: { type: 'Counter', instance: 'x', rev: 2, subscribe: true } });
    for (const rev of [3, 4, 5]) catchUp.direct({ stream: clientKey, message: batchAt(rev), position: { type: 'Counter', instance: 'x', rev } });
    catchUp.batch({ type: 'Counter', instance: 'x', rev: 6, batch: batchAt(6) });
    assert.deepEqual(channel.messages, ['[]', batchAt(3), batchAt(4), batchAt(5), batchAt(6)], 'each revision exactly once, in order');

    // The same client subscribes again from rev 4 (say, a new stream): it needs 5 and 6 again.
    catchUp.direct({ stream: clientKey, position: { type: 'Counter', instance: 'x', rev: 4, subscribe: true } });
    assert.deepEqual(channel.messages.slice(5), [batchAt(5), batchAt(6)]);
    void engine.shutdown();
  });

  test('batches of an instance deleted or created anew are forgotten: a subscriber of the new one gets none of them', () => {
    const { catchUp, channel, clientKey, engine } = setup();
    for (const rev of [2, 3]) catchUp.batch({ type: 'Counter', instance: 'x', rev, batch: batchAt(rev) });
    // The commit that creates the instance again announces it, before anyone can subscribe to the new one.
    catchUp.forget('Counter', 'x');
    catchUp.direct({ stream: clientKey, position: { type: 'Counter', instance: 'x', rev: 1, subscribe: true } });
    assert.deepEqual(channel.messages, ['[]'], "the old instance's revisions 2 and 3 are not the new one's");
    void engine.shutdown();
  });

  test('nothing is sent past a hole: the client asks for what is missing itself', () => {
    const { catchUp, channel, clientKey, engine } = setup();
    catchUp.batch({ type: 'Counter', instance: 'x', rev: 7, batch: batchAt(7) });
    catchUp.direct({ stream: clientKey, position: { type: 'Counter', instance: 'x', rev: 5, subscribe: true } });
    assert.deepEqual(channel.messages, ['[]'], 'rev 6 is unknown here, so rev 7 would be a gap: not sent');
    void engine.shutdown();
  });
});
