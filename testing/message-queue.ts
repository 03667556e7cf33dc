/** What a waiting test is looking for. */
type Predicate<T> = (item: T) => boolean;

interface Waiter<T> {
  predicate: Predicate<T>;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Default wait: long enough for two noisy cores, short enough that a lost message fails the test. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What a client has received, in order, with a read position. `next` consumes up to and including the first
 * unread item that matches, so a test reads a stream the way a client would: forward only. Everything stays
 * in {@link MessageQueue.received} for whole-stream assertions (byte comparisons, forbidden characters).
 *
 * @example
 * const queue = new MessageQueue<string>('frames');
 * queue.push('a');
 * await queue.next((item) => item === 'a'); // → 'a'
 */
export class MessageQueue<T> {
  /** Every item ever pushed, read or not. */
  readonly received: T[] = [];
  readonly #label: string;
  #position = 0;
  #waiter: Waiter<T> | undefined;
  #endReason: string | undefined;
  readonly #listeners = new Set<(item: T) => void>();
  readonly #endListeners = new Set<(reason: string) => void>();

  constructor(label: string) {
    this.#label = label;
  }

  /** Items not read yet. */
  get unread(): T[] {
    return this.received.slice(this.#position);
  }

  /** True once the source ended; no item will arrive any more. */
  get ended(): boolean {
    return this.#endReason !== undefined;
  }

  push(item: T): void {
    this.received.push(item);
    for (const listener of this.#listeners) listener(item);
    this.#serve();
  }

  /**
   * Calls `listener` with every item pushed from now on, before any wait sees it, whatever is read: for a
   * reader that keeps its own view of the stream (the test kit's clients), and `onEnd` when the source ends.
   * Returns the function that stops both.
   */
  listen(listener: (item: T) => void, onEnd?: (reason: string) => void): () => void {
    this.#listeners.add(listener);
    if (onEnd) this.#endListeners.add(onEnd);
    return () => {
      this.#listeners.delete(listener);
      if (onEnd) this.#endListeners.delete(onEnd);
    };
  }

  /** Marks the source as finished; a pending wait fails at once instead of running into its timeout. */
  end(reason: string): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    for (const listener of this.#endListeners) listener(reason);
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(new Error(`${this.#label} ended (${reason}) while waiting; ${this.#describeUnread()}`));
  }

  /**
   * Resolves with the first unread item matching `predicate` (any item when omitted), marking it and every
   * unread item before it as read. Rejects after `timeoutMs`, or when the source ends first.
   */
  next(predicate: Predicate<T> = () => true, timeoutMs = DEFAULT_TIMEOUT_MS, description = 'an item'): Promise<T> {
    // One reader at a time: two overlapping waits would race for the same items and hide ordering bugs.
    if (this.#waiter) return Promise.reject(new Error(`${this.#label}: a wait is already pending`));
    const found = this.#take(predicate);
    if (found.hit) return Promise.resolve(found.item);
    if (this.#endReason !== undefined) {
      return Promise.reject(new Error(`${this.#label} ended (${this.#endReason}) before ${description}; ${this.#describeUnread()}`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`${this.#label}: no ${description} within ${timeoutMs} ms; ${this.#describeUnread()}`));
      }, timeoutMs);
      this.#waiter = { predicate, resolve, reject, timer };
    });
  }

  #serve(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    const found = this.#take(waiter.predicate);
    if (!found.hit) return;
    this.#waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(found.item);
  }

  #take(predicate: Predicate<T>): { hit: true; item: T } | { hit: false } {
    for (let index = this.#position; index < this.received.length; index++) {
      const item = this.received[index]!;
      if (predicate(item)) {
        this.#position = index + 1;
        return { hit: true, item };
      }
    }
    // Nothing matched: what was scanned stays unread, so a later, different wait can still see it.
    return { hit: false };
  }

  #describeUnread(): string {
    const unread = this.unread;
    const shown = unread.slice(-5).map((item) => {
      const text = typeof item === 'string' ? item : JSON.stringify(item);
      return text.length > 300 ? `${text.slice(0, 300)}…` : text;
    });
    return `${this.received.length} received, ${unread.length} unread${shown.length ? `, last unread: ${shown.join(' | ')}` : ''}`;
  }
}
