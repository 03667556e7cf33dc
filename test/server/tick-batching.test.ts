/**
 * Frames written to one socket while the current work runs leave together: one cork per socket however many
 * writes, released once that work (and its microtasks) is done; a later write holds the socket again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchUntilTickEnd, MAX_HELD_BYTES, type CorkableSocket } from '../../server/channels/write-batching.js';

class RecordingSocket implements CorkableSocket {
  writableCorked = 0;
  writableLength = 0;
  readonly log: string[] = [];
  cork(): void {
    this.writableCorked += 1;
    this.log.push('cork');
  }
  uncork(): void {
    if (this.writableCorked > 0) this.writableCorked -= 1;
    this.log.push('uncork');
  }
}

const laterTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('one cork per socket, released after the current work; held again by a later write', async () => {
  const a = new RecordingSocket();
  const b = new RecordingSocket();
  await Promise.resolve().then(() => {
    // As the engine answers pipelined events: in microtasks of one run.
    batchUntilTickEnd(a);
    batchUntilTickEnd(a);
    batchUntilTickEnd(b);
    assert.deepEqual([a.writableCorked, b.writableCorked], [1, 1], 'held while the work runs');
  });
  await Promise.resolve().then(() => batchUntilTickEnd(a));
  await laterTurn();
  assert.equal(a.writableCorked, 0);
  assert.equal(b.writableCorked, 0);
  assert.deepEqual(b.log, ['cork', 'uncork']);

  batchUntilTickEnd(a);
  assert.equal(a.writableCorked, 1, 'held again');
  await laterTurn();
  assert.equal(a.writableCorked, 0);
  assert.equal(a.log.filter((entry) => entry === 'cork').length, a.log.filter((entry) => entry === 'uncork').length, 'every cork released');
});

test('a socket someone else holds is left to them', async () => {
  const socket = new RecordingSocket();
  socket.cork();
  batchUntilTickEnd(socket);
  await laterTurn();
  assert.deepEqual(socket.log, ['cork'], 'no cork or uncork of ours');
});

test('held bytes past MAX_HELD_BYTES leave at once, and the socket stays held for the rest of the work', async () => {
  const socket = new RecordingSocket();
  await Promise.resolve().then(() => {
    batchUntilTickEnd(socket);
    socket.writableLength = MAX_HELD_BYTES - 1;
    batchUntilTickEnd(socket);
    assert.deepEqual(socket.log, ['cork'], 'under the limit: still held');
    socket.writableLength = MAX_HELD_BYTES;
    batchUntilTickEnd(socket);
    assert.deepEqual(socket.log, ['cork', 'uncork', 'cork'], 'sent, then held again');
    assert.equal(socket.writableCorked, 1);
  });
  await laterTurn();
  assert.equal(socket.writableCorked, 0, 'released once, as scheduled');
});
