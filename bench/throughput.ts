import { BenchSession, benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import type { BenchServer } from './server-process.js';
import { sleep, withTimeout } from './sleep.js';
import { WORKLOADS, type Workload } from './workloads.js';

const DRAIN_TIMEOUT_MS = 10_000;

/** One throughput measurement. */
export interface ThroughputSample {
  /** Patches received per second. */
  rate: number;
  /** Server CPU time (user + system) per patch, in µs. */
  serverMicros: number;
  /** This process's (the load generator's) share of one core during the window, 0–1. */
  clientLoad: number;
  /** POST sockets the server closed with its answer, per 1,000 patches in the window (SSE; 0 over WS). */
  reopenedPerThousand: number;
}

/**
 * Patches per second one streaming client receives while events are sent to its instance in a closed loop:
 * over SSE, `concurrency` keep-alive sockets each POST the next event (`toggle` unless another workload is
 * given) as soon as the previous one was answered; over WS, `concurrency` events are kept in flight on the
 * socket (each patch received lets the next one go). Counted over `windowMs` after `warmupMs`.
 */
export async function measureThroughput(
  server: BenchServer,
  transport: Transport,
  concurrency: number,
  warmupMs: number,
  windowMs: number,
  workload: Workload = WORKLOADS.toggle,
): Promise<ThroughputSample> {
  const session = await BenchSession.open(transport, server.port, transport === 'sse' ? concurrency : 1);
  const { type, event } = workload;
  const send = (instance: string, n: number, lane?: number): Promise<void> => session.send(event, instance, `${instance}-${n}`, lane, type, workload.payload(n));
  try {
    const instance = benchId('tp');
    await session.mount(instance, type);
    let counting = false;
    let count = 0;
    let stopped = false;
    let sequence = 0;
    let inFlight = 0;
    let settled: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (settled = resolve));

    let loops: Promise<void>[] = [];
    if (transport === 'sse') {
      session.onMessage = (data) => {
        if (counting && data.includes('"bindUpdate"')) count += 1;
      };
      loops = Array.from({ length: concurrency }, async (_unused, lane) => {
        while (!stopped) await send(instance, ++sequence, lane);
      });
    } else {
      const sendNext = (): void => {
        inFlight += 1;
        void send(instance, ++sequence);
      };
      session.onMessage = (data) => {
        if (!data.includes('"bindUpdate"') && !data.includes('"error"')) return;
        if (counting) count += 1;
        inFlight -= 1;
        if (!stopped) sendNext();
        else if (inFlight === 0) settled();
      };
      for (let i = 0; i < concurrency; i++) sendNext();
      loops = [drained];
    }

    await sleep(warmupMs);
    const reconnectsBefore = session.reconnects;
    const serverBefore = await server.cpuMicros();
    const clientBefore = process.cpuUsage();
    counting = true;
    const started = performance.now();
    await sleep(windowMs);
    const received = count;
    const elapsed = performance.now() - started;
    counting = false;
    const client = process.cpuUsage(clientBefore);
    const reopened = session.reconnects - reconnectsBefore;
    const serverMicros = (await server.cpuMicros()) - serverBefore;
    stopped = true;
    await withTimeout(Promise.all(loops), DRAIN_TIMEOUT_MS, 'draining the event loops');
    return {
      rate: received / (elapsed / 1000),
      serverMicros: serverMicros / Math.max(1, received),
      clientLoad: (client.user + client.system) / (elapsed * 1000),
      reopenedPerThousand: (reopened * 1000) / Math.max(1, received),
    };
  } finally {
    session.close();
  }
}

/** Throughput figures: the rate, and what each patch cost the server and the load generator. */
export interface ThroughputResults {
  rate: Comparison[];
  /** Server CPU µs per patch: the cost that noise on the machine does not change much. */
  serverCpu: Comparison[];
  /** The load generator's share of its core (a figure near 1 means the client, not the server, was the limit). */
  clientLoad: Comparison[];
}

/** Event throughput on both transports at each concurrency, Nasc and bare alternately, `runs` times. */
export async function runThroughput(
  servers: { nasc: BenchServer; bare: BenchServer },
  config: BenchConfig,
  log: (line: string) => void,
): Promise<ThroughputResults> {
  const results: ThroughputResults = { rate: [], serverCpu: [], clientLoad: [] };
  const cases: { transport: Transport; concurrency: number; rate: Comparison; cpu: Comparison; load: Comparison }[] = [];
  for (const transport of ['sse', 'ws'] as const) {
    for (const concurrency of config.throughput.concurrency) {
      const label = `${transport.toUpperCase()}, ${transport === 'sse' ? 'concurrency' : 'in flight'} ${concurrency}`;
      const entry = {
        transport,
        concurrency,
        rate: comparison('Event throughput', label, 'patches/s'),
        cpu: comparison('Server CPU per patch', label, 'µs CPU per patch', 1),
        load: comparison('Load generator', label, 'share of its core', 2),
      };
      cases.push(entry);
      results.rate.push(entry.rate);
      results.serverCpu.push(entry.cpu);
      results.clientLoad.push(entry.load);
    }
  }
  const { warmupMs, windowMs } = config.throughput;
  for (let run = 0; run < config.runs; run++) {
    for (const { transport, concurrency, rate, cpu, load } of cases) {
      for (const server of runOrder(run, servers.nasc, servers.bare)) {
        let sample: ThroughputSample | undefined;
        await measureOrNaN(`${server.kind} throughput ${rate.label}`, log, async () => {
          sample = await measureThroughput(server, transport, concurrency, warmupMs, windowMs);
          return 0;
        });
        rate[server.kind].push(sample?.rate ?? Number.NaN);
        cpu[server.kind].push(sample?.serverMicros ?? Number.NaN);
        load[server.kind].push(sample?.clientLoad ?? Number.NaN);
      }
      log(
        `throughput run ${run + 1} ${rate.label}: nasc ${Math.round(rate.nasc.at(-1)!)} /s (${cpu.nasc.at(-1)!.toFixed(0)} µs CPU), ` +
          `bare ${Math.round(rate.bare.at(-1)!)} /s (${cpu.bare.at(-1)!.toFixed(0)} µs CPU); client load ${load.nasc.at(-1)!.toFixed(2)} / ${load.bare.at(-1)!.toFixed(2)}`,
      );
    }
  }
  return results;
}
