import { BenchSession, benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import type { BenchServer } from './server-process.js';
import { withTimeout } from './sleep.js';
import { percentile } from './stats.js';

const EVENT_TIMEOUT_MS = 5_000;

/**
 * Round trips event → patch, one at a time, from a Node client: the time from sending a `toggle` (the POST
 * written, or the WS frame sent) until the message carrying its ack arrives on the stream. Returns the
 * `samples` durations in ms, after `warmup` unrecorded ones.
 */
export async function measureRoundTrips(port: number, transport: Transport, samples: number, warmup: number): Promise<number[]> {
  const session = await BenchSession.open(transport, port);
  try {
    const instance = benchId('rt');
    await session.mount(instance);
    const durations: number[] = [];
    let waitingFor = '';
    let arrived: () => void = () => undefined;
    session.onMessage = (data) => {
      if (waitingFor && data.includes(waitingFor)) arrived();
    };
    for (let i = 0; i < warmup + samples; i++) {
      waitingFor = `"e${i}-${instance}"`;
      const received = new Promise<number>((resolve) => (arrived = () => resolve(performance.now())));
      const started = performance.now();
      const sent = session.send('toggle', instance, `e${i}-${instance}`);
      const at = await withTimeout(received, EVENT_TIMEOUT_MS, `round trip ${i}`);
      await sent;
      if (i >= warmup) durations.push(at - started);
    }
    return durations;
  } finally {
    session.close();
  }
}

/** Node-client round-trip latency, p50/p90/p99, both transports, Nasc and bare alternately, `runs` times. */
export async function runLatency(servers: { nasc: BenchServer; bare: BenchServer }, config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const results: Comparison[] = [];
  for (const transport of ['sse', 'ws'] as const) {
    const byPercentile = [50, 90, 99].map((p) => ({ p, result: comparison('Round trip (Node client)', `${transport.toUpperCase()} p${p}`, 'ms', 3) }));
    results.push(...byPercentile.map(({ result }) => result));
    for (let run = 0; run < config.runs; run++) {
      for (const server of runOrder(run, servers.nasc, servers.bare)) {
        let durations: number[] = [];
        await measureOrNaN(`${server.kind} ${transport} round trips`, log, async () => {
          durations = await measureRoundTrips(server.port, transport, config.latency.samples, config.latency.warmup);
          return 0;
        });
        for (const { p, result } of byPercentile) result[server.kind].push(durations.length ? percentile(durations, p) : Number.NaN);
      }
      const [p50] = byPercentile;
      log(`latency run ${run + 1} ${transport}: p50 nasc ${p50!.result.nasc.at(-1)!.toFixed(3)} ms, bare ${p50!.result.bare.at(-1)!.toFixed(3)} ms`);
    }
  }
  return results;
}
