import { BenchSession, benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import type { BenchServer } from './server-process.js';
import { sleep, withTimeout } from './sleep.js';
import { median, percentile } from './stats.js';
import { WORKLOADS, type Workload } from './workloads.js';

const EVENT_TIMEOUT_MS = 5_000;

/** How {@link measureRoundTrips} sends and reads; the defaults are the round-trip section's. */
export interface RoundTripOptions {
  /** The state and event (default `toggle`). */
  workload?: Workload;
  /** Idle time between an answer and the next event, in ms (default 0: back to back). */
  gapMs?: number;
  /** Parse every message and find the ack among its patches, as a page does (default: look for the id in the text). */
  parse?: boolean;
  /** Read this server's CPU time before the first recorded event and after the last. */
  server?: BenchServer;
}

/** Recorded round trips (ms), with `server` its CPU time per recorded event (µs), and the answers' size. */
export interface RoundTrips {
  durations: number[];
  serverMicros: number;
  /** The median length of the messages that carried the acks (bytes: the bench's messages are ASCII). */
  messageBytes: number;
}

/**
 * Round trips event → patch, one at a time, from a Node client: the time from sending an event (the POST
 * written, or the WS frame sent) until the message carrying its ack arrives on the stream. Returns the
 * `samples` durations in ms, after `warmup` unrecorded ones.
 */
export async function measureRoundTrips(port: number, transport: Transport, samples: number, warmup: number, options: RoundTripOptions = {}): Promise<RoundTrips> {
  const { workload = WORKLOADS.toggle, gapMs = 0, parse = false, server } = options;
  const session = await BenchSession.open(transport, port);
  try {
    const instance = benchId('rt');
    await session.mount(instance, workload.type);
    const durations: number[] = [];
    const sizes: number[] = [];
    let waitingFor = '';
    let arrived: (data: string) => void = () => undefined;
    session.onMessage = parse
      ? (data) => {
          for (const patch of JSON.parse(data) as { action: string; eventId?: string }[]) {
            if (patch.action === 'ack' && patch.eventId === waitingFor) arrived(data);
          }
        }
      : (data) => {
          if (waitingFor && data.includes(waitingFor)) arrived(data);
        };
    let cpuBefore = 0;
    for (let i = 0; i < warmup + samples; i++) {
      if (i === warmup && server) cpuBefore = await server.cpuMicros();
      if (gapMs > 0) await sleep(gapMs);
      const eventId = `e${i}-${instance}`;
      waitingFor = parse ? eventId : `"${eventId}"`;
      const received = new Promise<number>((resolve) => {
        arrived = (data) => {
          resolve(performance.now());
          if (i >= warmup) sizes.push(data.length);
        };
      });
      const started = performance.now();
      const sent = session.send(workload.event, instance, eventId, 0, workload.type, workload.payload(i + 1));
      const at = await withTimeout(received, EVENT_TIMEOUT_MS, `round trip ${i}`);
      await sent;
      if (i >= warmup) durations.push(at - started);
    }
    const serverMicros = server ? ((await server.cpuMicros()) - cpuBefore) / Math.max(1, samples) : Number.NaN;
    return { durations, serverMicros, messageBytes: median(sizes) };
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
          ({ durations } = await measureRoundTrips(server.port, transport, config.latency.samples, config.latency.warmup));
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
