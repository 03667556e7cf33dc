import { summarize } from './comparison.js';
import type { TargetCheck } from './targets.js';
import { WIRINGS, type WorkloadCase, type WorkloadFigures, type Wiring } from './workloads-section.js';

/** Throughput of every workload at every concurrency, transport and wiring: at least this share of bare's. */
export const WORKLOAD_THROUGHPUT_MIN = 0.85;
/** Round-trip p50 of every workload, both transports and wirings: at most this multiple of bare's. */
export const WORKLOAD_ROUND_TRIP_MAX = 1.2;

/** One workload target, judged on the median of the per-run ratios Nasc / bare (like the other targets). */
export interface WorkloadCheck extends TargetCheck {
  workload: string;
  case: WorkloadCase;
  wiring: Wiring;
  ratio: number;
}

/** The target a case is held to, as text. */
export function workloadTarget(entry: WorkloadCase): string {
  return entry.kind === 'throughput' ? `throughput ≥ ${WORKLOAD_THROUGHPUT_MIN}× bare` : `round trip p50 ≤ ${WORKLOAD_ROUND_TRIP_MAX}× bare`;
}

/** Judges the workload targets (a separate table: the 17 targets are judged on `Toggle` alone). */
export function checkWorkloadTargets(figures: WorkloadFigures | undefined): WorkloadCheck[] {
  const checks: WorkloadCheck[] = [];
  for (const result of figures?.results ?? []) {
    for (const entry of result.cases) {
      for (const wiring of WIRINGS) {
        const { ratio } = summarize(entry.figure[wiring]);
        const met =
          Number.isFinite(ratio.median) && (entry.kind === 'throughput' ? ratio.median >= WORKLOAD_THROUGHPUT_MIN : ratio.median <= WORKLOAD_ROUND_TRIP_MAX);
        checks.push({
          workload: result.label,
          case: entry,
          wiring,
          ratio: ratio.median,
          target: `${result.label}: ${workloadTarget(entry)}: ${entry.figure[wiring].label}`,
          figure: `${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`,
          met,
        });
      }
    }
  }
  return checks;
}
