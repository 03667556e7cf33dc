/**
 * A histogram with fixed buckets, kept as plain numbers: observing a value is a short scan of the bounds and
 * three additions, with nothing allocated. Buckets are stored apart and summed up (`le`) only when read.
 */
export class Histogram {
  readonly bounds: readonly number[];
  readonly #counts: Float64Array;
  sum = 0;
  count = 0;

  /** `bounds`: the upper bounds of the buckets, ascending (a last `+Inf` bucket is implied). */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    this.#counts[index]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** The count of values at or below each bound, then of all of them (`+Inf`). */
  cumulative(): number[] {
    const counts: number[] = [];
    let total = 0;
    for (const each of this.#counts) counts.push((total += each));
    return counts;
  }
}

/** Buckets for durations in seconds, from half a millisecond to ten seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Buckets for how many streams a batch reached. */
export const FAN_OUT_BUCKETS: readonly number[] = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000];
