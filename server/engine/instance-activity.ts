import { isPromiseLike } from '../util/awaitable.js';
import type { Logger } from '../util/logger.js';
import type { InstanceRef, Store } from '../store/store.js';

/** What {@link InstanceActivity} needs from the engine. */
export interface ActivitySource {
  /** The instances this process's streams are subscribed to now. */
  shown(): Iterable<InstanceRef>;
  /** Instances the store expired (there should be no stream on them: they were touched first). */
  expired(instances: InstanceRef[]): unknown;
}

/** How often a failing round is logged at most. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Keeps the instances in use alive in the store and lets the store delete those idle past their lifetime, on
 * a timer a few times per lifetime. "In use": shown by one of this process's streams, or touched by an event
 * since the last round (an event that changes the instance renews it in its own commit). Every process of an
 * app sharing a store does this for its own streams, so none deletes an instance another one still shows.
 * The timer does not keep the process alive, and stops with {@link stop}.
 */
export class InstanceActivity {
  readonly #store: Store;
  readonly #source: ActivitySource;
  readonly #logger: Logger;
  readonly #touched = new Map<string, InstanceRef>();
  readonly #timer: ReturnType<typeof setInterval>;
  #running = false;
  #lastFailureLog = Number.NEGATIVE_INFINITY;

  constructor(store: Store, source: ActivitySource, logger: Logger, intervalMs: number) {
    this.#store = store;
    this.#source = source;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.sweep(), intervalMs);
    this.#timer.unref();
  }

  /** An event ran on the instance (keyed by `key`) without changing it: it counts as in use at the next round. */
  note(key: string, type: string, instance: string): void {
    if (!this.#touched.has(key)) this.#touched.set(key, { type, instance });
  }

  /** One round: touch what is in use, then expire. A round still running (a slow backend) skips the next. */
  async sweep(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const inUse = new Map(this.#touched);
      this.#touched.clear();
      for (const ref of this.#source.shown()) inUse.set(`${ref.type}\u0000${ref.instance}`, ref);
      const touching = this.#store.touch([...inUse.values()]);
      if (isPromiseLike(touching)) await touching;
      const expiring = this.#store.expire();
      const expired = isPromiseLike(expiring) ? await expiring : expiring;
      if (expired.length > 0) {
        this.#logger.info('idle instances expired', { count: expired.length });
        await this.#source.expired(expired);
      }
    } catch (error) {
      const now = Date.now();
      if (now - this.#lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
        this.#lastFailureLog = now;
        this.#logger.error('keeping instances alive or expiring idle ones failed', { error: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
