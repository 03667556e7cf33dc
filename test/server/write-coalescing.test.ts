/**
 * Frames written to one socket in one turn of the event loop leave together at the check phase, each socket
 * once, however many times it was written to; sockets held in a later turn are released in that turn.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesceWrites, type CorkableSocket } from '../../server/write-coalescing.js';

class RecordingSocket implements CorkableSocket {
  corked = 0;
  readonly log: string[] = [];
  cork(): void {
    this.corked += 1;
    this.log.push('cork');
  }
  uncork(): void {
    this.corked -= 1;
    this.log.push('uncork');
  }
}

const checkPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

test('one cork per socket per turn, released at the check phase, after microtasks', async () => {
  const a = new RecordingSocket();
  const b = new RecordingSocket();
  coalesceWrites(a);
  coalesceWrites(a);
  coalesceWrites(b);
  await Promise.resolve();
  // Writes made by promise continuations of this turn join the same batch.
  coalesceWrites(a);
  assert.deepEqual([a.corked, b.corked], [1, 1], 'held until the check phase');
  await checkPhase();
  assert.deepEqual(a.log, ['cork', 'uncork']);
  assert.deepEqual(b.log, ['cork', 'uncork']);

  coalesceWrites(a);
  assert.equal(a.corked, 1, 'held again in a later turn');
  await checkPhase();
  assert.equal(a.corked, 0);
  assert.deepEqual(a.log, ['cork', 'uncork', 'cork', 'uncork']);
});
