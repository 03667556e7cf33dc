import { GenerationalMap } from './generational-map.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Token buckets per key: `rate` tokens a second, up to `burst` saved. Bounded: the least recently used keys
 * are forgotten past `maxKeys` (a forgotten key starts again with a full bucket).
 */
export class RateLimiter {
  readonly #options: { rate: number; burst: number };
  readonly #buckets: GenerationalMap<string, TokenBucket>;

  constructor(options: { rate: number; burst: number; maxKeys?: number }) {
    this.#options = { rate: options.rate, burst: options.burst };
    this.#buckets = new GenerationalMap(options.maxKeys ?? 100_000);
  }

  /** Takes one token for `key`: 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new TokenBucket(this.#options, now)));
    return bucket.take(now);
  }

  /** Gives back a token taken for something that did not happen after all (up to the burst). */
  give(key: string): void {
    const bucket = this.#buckets.get(key);
    bucket?.give();
  }
}
