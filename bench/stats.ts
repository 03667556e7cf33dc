/** Median, spread and percentiles of a list of numbers. */

/** A figure measured in several runs: the median and the range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** How many runs it is made of. */
  runs: number;
}

/** The `p`-th percentile (0–100) by the nearest-rank method; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median (the mean of the two middle values for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median, min and max of per-run figures (NaN entries, i.e. failed runs, are left out). */
export function spread(values: readonly number[]): Spread {
  const valid = values.filter((value) => Number.isFinite(value));
  if (valid.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  return { median: median(valid), min: Math.min(...valid), max: Math.max(...valid), runs: valid.length };
}

/** Per-run ratios `a[i] / b[i]` of two paired series. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / b[i]!);
}
