import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyedQueue } from '../../server/engine/keyed-queue.js';

/** A promise a test settles by hand, to hold a task open exactly as long as it wants. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('server/keyed-queue', () => {
  test('runs the tasks of one key one at a time, in order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      assert.equal(running, 1, 'two tasks of one key overlapped');
      log.push(`start ${name}`);
      for (let tick = 0; tick < 3; tick++) await Promise.resolve();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => queue.run('k', task(name))));
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('different keys run concurrently', async () => {
    const queue = new KeyedQueue();
    const held = gate();
    const blocked = queue.run('slow', () => held.promise.then(() => 'slow'));
    // Resolves while 'slow' is still held: the other key does not wait behind it.
    assert.equal(await queue.run('fast', () => 'fast'), 'fast');
    held.open();
    assert.equal(await blocked, 'slow');
  });

  test('a failing task rejects its own caller and never blocks the ones behind it', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('k', () => {
      throw new Error('boom');
    });
    const rejecting = queue.run('k', () => Promise.reject(new Error('async boom')));
    const after = queue.run('k', () => 'after');
    await assert.rejects(failing, /boom/);
    await assert.rejects(rejecting, /async boom/);
    assert.equal(await after, 'after');
  });

  test('forgets a key once its work is done', async () => {
    const queue = new KeyedQueue();
    const held = gate();
    const first = queue.run('a', () => held.promise);
    const second = queue.run('a', () => 'x');
    void queue.run('b', () => Promise.reject(new Error('ignored'))).catch(() => undefined);
    assert.equal(queue.activeKeys, 2);
    held.open();
    await Promise.all([first, second]);
    // Cleanup runs after the result settles: give the microtasks that drop the tails their turn.
    for (let tick = 0; tick < 10 && queue.activeKeys > 0; tick++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(queue.activeKeys, 0);
  });

  test('a task queued by a running task of the same key runs after it', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    await queue.run('k', () => {
      inner = queue.run('k', () => {
        log.push('inner');
      });
      log.push('outer');
    });
    await inner;
    assert.deepEqual(log, ['outer', 'inner']);
  });
  test('a task of an idle key starts inside run(), before it returns', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const done = queue.run('k', () => {
      log.push('task');
    });
    log.push('after run');
    await done;
    assert.deepEqual(log, ['task', 'after run']);
  });

  test('a task queued from inside a running task never runs nested in it, even for an idle key', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    await queue.run('a', () => {
      inner = queue.run('b', () => {
        log.push('b');
      });
      log.push('a ends');
    });
    await inner;
    assert.deepEqual(log, ['a ends', 'b']);
  });

  test('a key with a long run of tasks keeps their order and forgets them as they finish', async () => {
    const queue = new KeyedQueue();
    const held = gate();
    const order: number[] = [];
    const first = queue.run('k', () => held.promise);
    const rest = Array.from({ length: 500 }, (_, i) => queue.run('k', () => void order.push(i)));
    assert.equal(order.length, 0, 'nothing overtakes the held task');
    held.open();
    await Promise.all([first, ...rest]);
    assert.deepEqual(order, Array.from({ length: 500 }, (_, i) => i));
    for (let tick = 0; tick < 10 && queue.activeKeys > 0; tick++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(queue.activeKeys, 0);
  });
});
