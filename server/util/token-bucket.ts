/**
 * One token bucket: `rate` tokens a second, up to `burst` saved. Starts full.
 *
 * @example
 * const refusals = new TokenBucket({ rate: 50, burst: 100 });
 * if (refusals.take() > 0) cutTheSocket();
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(options: { rate: number; burst: number }, now = performance.now()) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#at = now;
  }

  /** Takes one token: 0 when there was one, else the milliseconds until there is. */
  take(now = performance.now()): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /** Gives back a token taken for something that did not happen after all (up to the burst). */
  give(): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }
}
