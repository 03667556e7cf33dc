import { ratios, spread, type Spread } from './stats.js';

/** One figure measured for Nasc and for its bare baseline, once per run, side by side. */
export interface Comparison {
  /** The benchmark section, e.g. `Event throughput`. */
  section: string;
  /** The case within it, e.g. `SSE, concurrency 8`. */
  label: string;
  /** What is measured and its unit, e.g. `patches/s`. */
  metric: string;
  /** Nasc's figure in each run. */
  nasc: number[];
  /** The baseline's figure in the same runs. */
  bare: number[];
  /** Decimal places to print the figures with. */
  digits: number;
}

/** A comparison reduced to medians and ranges, with the per-run ratio Nasc / bare. */
export interface ComparisonSummary {
  comparison: Comparison;
  nasc: Spread;
  bare: Spread;
  ratio: Spread;
}

/** Medians and min–max of both series and of their per-run ratios. */
export function summarize(comparison: Comparison): ComparisonSummary {
  return {
    comparison,
    nasc: spread(comparison.nasc),
    bare: spread(comparison.bare),
    ratio: spread(ratios(comparison.nasc, comparison.bare)),
  };
}

/** Starts an empty comparison; runs push into `nasc` and `bare`. */
export function comparison(section: string, label: string, metric: string, digits = 0): Comparison {
  return { section, label, metric, nasc: [], bare: [], digits };
}

/** The runs' order: Nasc first in even runs, the baseline first in odd ones, so drift hits both alike. */
export function runOrder<T>(run: number, nasc: T, bare: T): [T, T] {
  return run % 2 === 0 ? [nasc, bare] : [bare, nasc];
}

/** Runs one measurement; a failure is logged and counts as NaN (left out of medians, shown as a failed run). */
export async function measureOrNaN(what: string, log: (line: string) => void, measure: () => Promise<number>): Promise<number> {
  try {
    return await measure();
  } catch (error) {
    log(`FAILED ${what}: ${error instanceof Error ? error.message : String(error)}`);
    return Number.NaN;
  }
}
