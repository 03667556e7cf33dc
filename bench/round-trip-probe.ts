/**
 * Round trips under chosen conditions, Nasc and bare alternately: a tool for finding why harnesses disagree
 * (finding 40), not part of `npm run bench`. The servers run on core 0; this process runs wherever it is
 * started (`taskset -c 1` for a core of its own, `taskset -c 0` to share the servers' core). Every round
 * measures every case once per server, so the cases see the same noise on a shared machine.
 *
 *   --cases=toggle/0,list-4/10/parse   workload/gap in ms[/parse]: `parse` reads each message as a page does
 *                                      (JSON.parse, the ack found among the patches); default toggle/0
 *   --transport=ws                     or sse
 *   --warmup=100 --samples=300 --rounds=6
 *   --fresh                            new servers for each round (a server that has seen only the warm-up)
 *   --wiring=route                     Nasc through its Hono routes (`NASC_BENCH_WS=route`) instead of `attach`
 *
 * @example
 * npm run build && taskset -c 1 node dist/bench/round-trip-probe.js --cases=toggle/0,list-4/0,list-4/10/parse
 */
import type { Transport } from './bench-session.js';
import { runOrder } from './comparison.js';
import { measureRoundTrips } from './latency.js';
import { startServer, type BenchServer } from './server-process.js';
import { median, percentile } from './stats.js';
import { WORKLOADS, type Workload, type WorkloadName } from './workloads.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

interface ProbeCase {
  name: string;
  workload: Workload;
  gapMs: number;
  parse: boolean;
  /** Per round: p50 (µs) and server CPU per event (µs) of each server. */
  nasc: { p50: number; cpu: number }[];
  bare: { p50: number; cpu: number }[];
}

const cases: ProbeCase[] = option('cases', 'toggle/0')
  .split(',')
  .map((spec) => {
    const [name, gap = '0', mode = ''] = spec.split('/');
    const workload = WORKLOADS[name as WorkloadName];
    if (!workload) throw new Error(`unknown workload ${name}; one of ${Object.keys(WORKLOADS).join(', ')}`);
    return { name: spec, workload, gapMs: Number(gap), parse: mode === 'parse', nasc: [], bare: [] };
  });
const transport = option('transport', 'ws') as Transport;
const warmup = Number(option('warmup', '100'));
const samples = Number(option('samples', '300'));
const rounds = Number(option('rounds', '6'));
const fresh = args.includes('--fresh');
const nascEnv: Record<string, string> = option('wiring', 'attach') === 'route' ? { NASC_BENCH_WS: 'route' } : {};

const start = (): Promise<[BenchServer, BenchServer]> => Promise.all([startServer('nasc', { pin: true, env: nascEnv }), startServer('bare', { pin: true })]);
let servers = await start();
console.log(`${transport.toUpperCase()}, ${warmup} + ${samples} events per measurement, ${rounds} rounds${fresh ? ', fresh servers each round' : ''}`);
try {
  for (let round = 0; round < rounds; round++) {
    if (fresh && round > 0) {
      await Promise.all(servers.map((server) => server.stop()));
      servers = await start();
    }
    for (const probe of cases) {
      for (const server of runOrder(round, ...servers)) {
        const { durations, serverMicros } = await measureRoundTrips(server.port, transport, samples, warmup, { workload: probe.workload, gapMs: probe.gapMs, parse: probe.parse, server });
        probe[server.kind].push({ p50: percentile(durations, 50) * 1000, cpu: serverMicros });
      }
    }
  }
  const text = (values: number[]): string => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  console.log('case                      p50 µs nasc       p50 µs bare       ratio p50              CPU µs/event nasc / bare');
  for (const probe of cases) {
    const ratios = probe.nasc.map((each, i) => each.p50 / probe.bare[i]!.p50);
    console.log(
      `${probe.name.padEnd(24)}  ${text(probe.nasc.map((each) => each.p50)).padEnd(16)}  ${text(probe.bare.map((each) => each.p50)).padEnd(16)}  ` +
        `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`.padEnd(22) +
        ` ${median(probe.nasc.map((each) => each.cpu)).toFixed(0)} / ${median(probe.bare.map((each) => each.cpu)).toFixed(0)}`,
    );
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
