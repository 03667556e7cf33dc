import { isPromiseLike } from '../util/awaitable.js';

/** The tasks of one key waiting behind the running one, oldest first from `head`. */
interface Lane {
  waiting: ((() => void) | undefined)[];
  head: number;
}

/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run concurrently.
 * A failing task never blocks the ones behind it.
 *
 * A task whose key is idle starts inside `run` itself, so an event read from a socket is applied (and its
 * patches written) before the read's callback returns, not after every other callback's microtasks: on a
 * quiet server that hop was the largest single wait of a click. A task queued while another task's
 * synchronous part runs (a handler that dispatches an event) starts on a later microtask instead, so no
 * task's synchronous part runs inside another's; after an `await`, a task's code is a callback like any other.
 */
export class KeyedQueue {
  readonly #lanes = new Map<string, Lane>();
  /** How many tasks' synchronous parts are on the stack now: above zero, an idle key's task waits for a microtask. */
  #depth = 0;

  /** Queues `task` behind every earlier task of `key` and resolves with its result. */
  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => this.#start(key, task, resolve, reject);
      const lane = this.#lanes.get(key);
      if (lane) {
        lane.waiting.push(start);
        return;
      }
      this.#lanes.set(key, { waiting: [], head: 0 });
      if (this.#depth === 0) start();
      else queueMicrotask(start);
    });
  }

  /** How many keys have work queued or running. */
  get activeKeys(): number {
    return this.#lanes.size;
  }

  #start<T>(key: string, task: () => Promise<T> | T, resolve: (value: T) => void, reject: (reason: unknown) => void): void {
    let result: Promise<T> | T;
    this.#depth++;
    try {
      result = task();
    } catch (error) {
      reject(error);
      this.#next(key);
      return;
    } finally {
      this.#depth--;
    }
    if (!isPromiseLike(result)) {
      resolve(result);
      this.#next(key);
      return;
    }
    result.then(
      (value) => {
        resolve(value);
        this.#next(key);
      },
      (error: unknown) => {
        reject(error);
        this.#next(key);
      },
    );
  }

  /** The running task of `key` settled: the next one starts on a microtask (never nested in its caller). */
  #next(key: string): void {
    const lane = this.#lanes.get(key)!;
    if (lane.head === lane.waiting.length) {
      this.#lanes.delete(key);
      return;
    }
    const start = lane.waiting[lane.head]!;
    lane.waiting[lane.head++] = undefined;
    // Drop the consumed front now and then, so a long-busy key does not keep every task it ever ran.
    if (lane.head >= 64 && lane.head * 2 >= lane.waiting.length) {
      lane.waiting = lane.waiting.slice(lane.head);
      lane.head = 0;
    }
    queueMicrotask(start);
  }
}
