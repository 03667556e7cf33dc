import { GenerationalMap } from './generational-map.js';

/**
 * Token buckets per key: `rate` tokens a second, up to `burst` saved. Bounded: the least recently used keys
 * are forgotten past `maxKeys` (a forgotten key starts again with a full bucket).
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets: GenerationalMap<string, { tokens: number; at: number }>;

  constructor(options: { rate: number; burst: number; maxKeys?: number }) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#buckets = new GenerationalMap(options.maxKeys ?? 100_000);
  }

  /** Takes one token for `key`: 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
    } else {
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.#rate) * 1000);
  }

  /** Gives back a token taken for something that did not happen after all (up to the burst). */
  give(key: string): void {
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.#burst, bucket.tokens + 1);
  }
}
