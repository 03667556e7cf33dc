import type { Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, type Comparison } from './comparison.js';
import { measureRoundTrips } from './latency.js';
import { startServer, type BenchServer, type StartOptions } from './server-process.js';
import { percentile } from './stats.js';
import { measureThroughput } from './throughput.js';
import { warmUp } from './warm-up.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

/** How Nasc takes its requests: `nasc.attach(server)` (the documented setup), or only its Hono routes. */
export type Wiring = 'attach' | 'route';
export const WIRINGS: readonly Wiring[] = ['attach', 'route'];

/** One case of one workload, measured for both wirings: each comparison's `bare` holds the same bare runs. */
export interface WorkloadCase {
  kind: 'throughput' | 'round trip';
  transport: Transport;
  /** `SSE, concurrency 8`, `WS p50`… */
  label: string;
  /** Patches/s, or the round trip's p50 in ms. */
  figure: Record<Wiring, Comparison>;
  /** Server CPU time per event, in µs. */
  cpu: Record<Wiring, Comparison>;
  /** The load generator's share of its core (throughput only). */
  clientLoad?: Record<Wiring, Comparison>;
  /** POST sockets the server closed with a 202, per 1,000 events (SSE throughput only; finding 39). */
  reopened?: Record<Wiring, Comparison>;
}

/** One workload's cases, and the size of one patch message (with its ack) each server sent, in bytes. */
export interface WorkloadResult {
  name: WorkloadName;
  label: string;
  messageBytes: Comparison;
  cases: WorkloadCase[];
}

/** What `--only=workloads` measures. */
export interface WorkloadFigures {
  runs: number;
  gapMs: number;
  results: WorkloadResult[];
}

const pair = (section: string, label: string, metric: string, digits: number): Record<Wiring, Comparison> => ({
  attach: comparison(section, `${label} (attach)`, metric, digits),
  route: comparison(section, `${label} (Hono routes)`, metric, digits),
});

/** The servers of one run in the order they are measured: the bare one between the two wirings, alternating. */
function order(run: number): (Wiring | 'bare')[] {
  return run % 2 === 0 ? ['attach', 'bare', 'route'] : ['route', 'bare', 'attach'];
}

/** The cases of one workload, empty. */
function emptyResult(name: WorkloadName, config: BenchConfig): WorkloadResult {
  const { label } = WORKLOADS[name];
  const cases: WorkloadCase[] = [];
  for (const transport of ['sse', 'ws'] as const) {
    for (const concurrency of config.workloads.concurrency) {
      const what = `${transport.toUpperCase()}, ${transport === 'sse' ? 'concurrency' : 'in flight'} ${concurrency}`;
      cases.push({
        kind: 'throughput',
        transport,
        label: what,
        figure: pair(label, what, 'patches/s', 0),
        cpu: pair(label, what, 'µs CPU per event', 1),
        clientLoad: pair(label, what, 'share of its core', 2),
        ...(transport === 'sse' ? { reopened: pair(label, what, 'POST sockets reopened per 1,000 events', 1) } : {}),
      });
    }
  }
  for (const transport of ['sse', 'ws'] as const) {
    const what = `${transport.toUpperCase()} p50`;
    cases.push({ kind: 'round trip', transport, label: what, figure: pair(label, what, 'ms', 3), cpu: pair(label, what, 'µs CPU per event', 1) });
  }
  return { name, label, messageBytes: comparison(label, 'patch message', 'bytes', 0), cases };
}

/**
 * The app-like workloads: for each, throughput at each concurrency over SSE and WS, and round trips over
 * both, against Nasc wired with `nasc.attach` and with its Hono routes only (`NASC_BENCH_WS=route`), and the
 * bare server doing the same state change. Its own servers, kept for the whole section; `runs` rounds, each
 * measuring every case of every workload once per server, the bare one between the two wirings.
 */
export async function runWorkloads(
  config: BenchConfig,
  names: readonly WorkloadName[],
  startOptions: (name: string) => StartOptions,
  log: (line: string) => void,
): Promise<WorkloadFigures> {
  const [attach, route, bare] = await Promise.all([
    startServer('nasc', startOptions('workloads')),
    startServer('nasc', { ...startOptions('workloads-route'), env: { NASC_BENCH_WS: 'route' } }),
    startServer('bare', { pin: startOptions('workloads').pin ?? true }),
  ]);
  const servers: Record<Wiring | 'bare', BenchServer> = { attach, route, bare };
  const { runs, warmupMs, windowMs, roundTrip } = config.workloads;
  const results = names.map((name) => emptyResult(name, config));
  try {
    for (const server of [attach, route, bare]) await warmUp(server, config, names.map((name) => WORKLOADS[name]));
    for (let run = 0; run < runs; run++) {
      for (const result of results) {
        const workload = WORKLOADS[result.name];
        for (const entry of result.cases) {
          const figures: Partial<Record<Wiring | 'bare', { figure: number; cpu: number; load: number; bytes: number; reopened: number }>> = {};
          for (const which of order(run)) {
            const server = servers[which];
            const what = `${which} ${workload.name} ${entry.kind} ${entry.label}`;
            await measureOrNaN(what, log, async () => {
              if (entry.kind === 'throughput') {
                const concurrency = Number(/\d+$/.exec(entry.label)![0]);
                const sample = await measureThroughput(server, entry.transport, concurrency, warmupMs, windowMs, workload);
                figures[which] = { figure: sample.rate, cpu: sample.serverMicros, load: sample.clientLoad, bytes: Number.NaN, reopened: sample.reopenedPerThousand };
              } else {
                const trips = await measureRoundTrips(server.port, entry.transport, roundTrip.samples, roundTrip.warmup, {
                  workload,
                  gapMs: roundTrip.gapMs,
                  parse: true,
                  server,
                });
                figures[which] = { figure: percentile(trips.durations, 50), cpu: trips.serverMicros, load: Number.NaN, bytes: trips.messageBytes, reopened: Number.NaN };
              }
              return 0;
            });
          }
          for (const wiring of WIRINGS) {
            const push = (target: Comparison | undefined, key: 'figure' | 'cpu' | 'load' | 'reopened'): void => {
              target?.nasc.push(figures[wiring]?.[key] ?? Number.NaN);
              target?.bare.push(figures.bare?.[key] ?? Number.NaN);
            };
            push(entry.figure[wiring], 'figure');
            push(entry.cpu[wiring], 'cpu');
            push(entry.clientLoad?.[wiring], 'load');
            push(entry.reopened?.[wiring], 'reopened');
          }
          if (entry.kind === 'round trip' && entry.transport === 'ws') {
            result.messageBytes.nasc.push(figures.attach?.bytes ?? Number.NaN);
            result.messageBytes.bare.push(figures.bare?.bytes ?? Number.NaN);
          }
          const text = (which: Wiring | 'bare'): string => {
            const measured = figures[which];
            if (!measured) return 'failed';
            const value = entry.kind === 'throughput' ? `${Math.round(measured.figure)} /s` : `${(measured.figure * 1000).toFixed(0)} µs`;
            const reopened = measured.reopened > 0 ? `, ${measured.reopened.toFixed(1)}‰ POST sockets reopened` : '';
            return `${value} (${measured.cpu.toFixed(0)} µs CPU${reopened})`;
          };
          log(`workloads run ${run + 1} ${workload.name} ${entry.kind} ${entry.label}: attach ${text('attach')}, routes ${text('route')}, bare ${text('bare')}`);
        }
      }
    }
  } finally {
    await Promise.all([attach.stop(), route.stop(), bare.stop()]);
  }
  return { runs, gapMs: roundTrip.gapMs, results };
}
