import { summarize, type Comparison } from './comparison.js';
import type { ClientSize } from './client-size.js';
import { RENDER_OVER_STORE_LIMIT, type FirstPaint, type RenderCost } from './render-cost-report.js';
import type { Spread } from './stats.js';
import type { WorkloadFigures } from './workloads-section.js';
import { SHARED_TAB_SECTION } from './shared-tab-clicks.js';

/** The client-size budget: 14 KB gzip -9 (KB = 1,024 bytes, as in the bundle test). */
export const CLIENT_BUDGET_BYTES = 14 * 1024;

/** One target of the issue and whether this run met it. */
export interface TargetCheck {
  target: string;
  /** The figure it is judged on, as text (median ratio and range, or a count). */
  figure: string;
  met: boolean;
}

/** Everything the targets are judged on. */
export interface BenchFigures {
  throughput: Comparison[];
  serverCpu: Comparison[];
  clientLoad: Comparison[];
  latency: Comparison[];
  clicks: Comparison[];
  idleMemory: Comparison[];
  idleFailures: Comparison[];
  fanOut: Comparison[];
  clientSize?: ClientSize;
  /** Click → DOM in a tab sharing another tab's connection (`nasc`) and in the tab holding it (`bare`). */
  sharedTabs?: Comparison[];
  render?: RenderCost;
  firstPaint?: FirstPaint;
  /** The app-like workloads (section 7), judged by their own targets (`bench/workload-targets.ts`). */
  workloads?: WorkloadFigures;
}

function ratioText(ratio: Spread): string {
  return `${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`;
}

/** Checks every ratio whose label matches `pattern` against `limit` (`min`: at least, `max`: at most). */
function ratioTargets(target: string, comparisons: Comparison[], pattern: RegExp, bound: 'min' | 'max', limit: number): TargetCheck[] {
  return comparisons
    .filter((entry) => pattern.test(entry.label))
    .map((entry) => {
      const { ratio } = summarize(entry);
      const met = Number.isFinite(ratio.median) && (bound === 'min' ? ratio.median >= limit : ratio.median <= limit);
      return { target: `${target}: ${entry.label}`, figure: ratioText(ratio), met };
    });
}

/** The largest count in labels like `SSE, 10,000 open`. */
function largest(comparisons: Comparison[], transport: string): Comparison | undefined {
  const count = (entry: Comparison) => Number(/([\d,]+) (open|clients)/.exec(entry.label)?.[1]?.replace(/,/g, '') ?? 0);
  return comparisons.filter((entry) => entry.label.startsWith(transport)).sort((a, b) => count(b) - count(a))[0];
}

/** Judges the targets, each on the median of the per-run ratios Nasc / bare. */
export function checkTargets(figures: BenchFigures): TargetCheck[] {
  const checks: TargetCheck[] = [
    ...ratioTargets('Throughput ≥ 0.7× bare', figures.throughput, /./, 'min', 0.7),
    ...ratioTargets('Node round trip p50 ≤ 1.3× bare', figures.latency, /p50$/, 'max', 1.3),
    ...ratioTargets('Click → DOM ≤ 1.2× floor', figures.clicks, /p50$/, 'max', 1.2),
    ...ratioTargets('Shared tab click → DOM ≤ 1.15× holding tab', (figures.sharedTabs ?? []).filter((c) => c.section === SHARED_TAB_SECTION), /p50$/, 'max', 1.15),
  ];
  for (const transport of ['SSE', 'WS']) {
    const memory = largest(figures.idleMemory, transport);
    if (memory) checks.push(...ratioTargets('Idle memory ≤ 1.2× bare per connection', [memory], /./, 'max', 1.2));
    const failures = largest(figures.idleFailures, transport);
    if (failures) {
      const worst = Math.max(...failures.nasc.map((value) => (Number.isFinite(value) ? value : Infinity)));
      checks.push({ target: `Idle ${failures.label} in one process without failures`, figure: `${worst} failed or dropped (worst run)`, met: worst === 0 });
    }
    const fanOut = figures.fanOut.filter((entry) => entry.label.startsWith(transport) && entry.label.endsWith('last p99'));
    const widest = largest(fanOut, transport);
    if (widest) checks.push(...ratioTargets('Fan-out p99 ≤ 1.5× bare', [widest], /./, 'max', 1.5));
  }
  if (figures.clientSize) {
    const { gzip } = figures.clientSize;
    checks.push({
      target: `Client ≤ 14 KB gzip -9 (${CLIENT_BUDGET_BYTES.toLocaleString('en')} B)`,
      figure: `${gzip.toLocaleString('en')} B`,
      met: gzip <= CLIENT_BUDGET_BYTES,
    });
  }
  if (figures.render) {
    checks.push({
      target: `Demo page rendered for a request ≤ ${RENDER_OVER_STORE_LIMIT}× reading its state from the store`,
      figure: ratioText(figures.render.overStore),
      met: figures.render.overStore.median <= RENDER_OVER_STORE_LIMIT,
    });
  }
  return checks;
}
