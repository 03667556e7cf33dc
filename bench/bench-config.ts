/** Counts and durations of one benchmark run: `full` (the default) or `smoke` (`--smoke`, under a minute). */
export interface BenchConfig {
  mode: 'full' | 'smoke';
  /** Runs of each side-by-side comparison (Nasc and bare alternately). */
  runs: number;
  /** ms of unrecorded events per transport and workload a fresh server runs before its first measured case (bench/warm-up.ts). */
  warmUpMs: number;
  throughput: { concurrency: number[]; warmupMs: number; windowMs: number };
  latency: { samples: number; warmup: number };
  clicks: { clicks: number; warmup: number; gapMs: number };
  idle: { counts: number[]; runs: number; perProcess: number };
  fanOut: { receivers: number[]; events: number; warmup: number };
  /** bench/render-cost.ts: runs, and ms of calls per case and run; bench/first-paint.ts: page loads of each page. */
  render: { runs: number; ms: number; paintRuns: number };
  /**
   * The app-like workloads (`--only=workloads`): `runs` of their own, throughput windows at each
   * concurrency, and round trips `gapMs` apart, each message parsed as a page parses it.
   */
  workloads: {
    runs: number;
    concurrency: number[];
    warmupMs: number;
    windowMs: number;
    roundTrip: { samples: number; warmup: number; gapMs: number };
  };
}

/** The full benchmark: about 20 minutes on two cores (the workloads section about 11 of them). */
export const FULL: BenchConfig = {
  mode: 'full',
  runs: 5,
  warmUpMs: 1_000,
  throughput: { concurrency: [1, 8, 32], warmupMs: 500, windowMs: 2_000 },
  latency: { samples: 1_000, warmup: 100 },
  clicks: { clicks: 250, warmup: 20, gapMs: 10 },
  idle: { counts: [1_000, 5_000, 10_000], runs: 3, perProcess: 5_000 },
  fanOut: { receivers: [100, 1_000], events: 100, warmup: 10 },
  render: { runs: 5, ms: 400, paintRuns: 10 },
  workloads: { runs: 3, concurrency: [1, 8, 32], warmupMs: 250, windowMs: 800, roundTrip: { samples: 150, warmup: 30, gapMs: 10 } },
};

/** `--smoke`: every benchmark once with tiny counts, to check the harness works. */
export const SMOKE: BenchConfig = {
  mode: 'smoke',
  runs: 1,
  warmUpMs: 100,
  throughput: { concurrency: [1, 8, 32], warmupMs: 100, windowMs: 300 },
  latency: { samples: 100, warmup: 10 },
  clicks: { clicks: 20, warmup: 3, gapMs: 5 },
  idle: { counts: [50, 200], runs: 1, perProcess: 5_000 },
  fanOut: { receivers: [10, 50], events: 10, warmup: 2 },
  render: { runs: 1, ms: 50, paintRuns: 1 },
  workloads: { runs: 1, concurrency: [1, 32], warmupMs: 50, windowMs: 100, roundTrip: { samples: 20, warmup: 5, gapMs: 1 } },
};
