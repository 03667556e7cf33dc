import type { Socket } from 'node:net';
import { BenchSession, benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import { HttpPoster } from './http-poster.js';
import { openRawStream, runBounded, sendWsText } from './raw-stream-socket.js';
import type { BenchServer } from './server-process.js';
import { sleep, withTimeout } from './sleep.js';
import { median, percentile } from './stats.js';

const DELIVERY_TIMEOUT_MS = 10_000;
const GAP_MS = 10;
const MOUNT_LANES = 8;

/** One receiver: a raw stream socket, what it waits for and when it got it. */
interface Receiver {
  clientId: string;
  socket: Socket;
  cookie: string;
  /** The bytes it waits for (a mount's event id, then each event's new revision); '' when not waiting. */
  marker: string;
  tail: string;
  receivedAt: number;
}

/** Per event: how long until the last receiver had it, and until half of them had it (ms). */
export interface FanOutSample {
  last: number;
  median: number;
}

/**
 * One event to `receivers` subscribed streams: opens them (raw sockets in this process, so all timestamps
 * share one clock), mounts each on one instance (a POST with its session cookie over SSE, a frame on its
 * own socket over WS), then sends `toggle`s one at a time from another client and times, per event, until
 * every receiver's bytes hold the new revision (`"rev":N}`).
 */
export async function measureFanOut(port: number, transport: Transport, receivers: number, events: number, warmup: number): Promise<FanOutSample[]> {
  const instance = benchId('fan');
  const prefix = benchId('r');
  const open: Receiver[] = [];
  let remaining = 0;
  let allReceived: () => void = () => undefined;
  const posters = await Promise.all(Array.from({ length: MOUNT_LANES }, () => HttpPoster.connect(port)));
  let sender: BenchSession | undefined;
  const expect = (markers: (receiver: Receiver) => string): Promise<void> => {
    remaining = open.length;
    for (const receiver of open) {
      receiver.tail = '';
      receiver.receivedAt = 0;
      receiver.marker = markers(receiver);
    }
    return new Promise<void>((resolve) => (allReceived = resolve));
  };
  try {
    const failed = await runBounded(receivers, 64, async (i) => {
      const receiver: Receiver = { clientId: `${prefix}-${i}`, socket: undefined as unknown as Socket, cookie: '', marker: '', tail: '', receivedAt: 0 };
      const stream = await openRawStream(port, transport, receiver.clientId, (chunk) => {
        if (receiver.marker === '') return;
        const text = receiver.tail + chunk.toString('latin1');
        if (text.includes(receiver.marker)) {
          receiver.receivedAt = performance.now();
          receiver.marker = '';
          if (--remaining === 0) allReceived();
        } else {
          receiver.tail = text.slice(-32);
        }
      });
      receiver.socket = stream.socket;
      receiver.cookie = stream.cookie;
      open.push(receiver);
    });
    if (failed > 0) throw new Error(`${failed} of ${receivers} receivers failed to open`);

    const mountId = (receiver: Receiver) => `${receiver.clientId}-mount`;
    const mounted = expect(mountId);
    const mountEvent = (receiver: Receiver) =>
      `{"event":"mount","type":"Toggle","instance":"${instance}","payload":{},"eventId":"${mountId(receiver)}"`;
    if (transport === 'ws') {
      for (const receiver of open) sendWsText(receiver.socket, `${mountEvent(receiver)}}`);
    } else {
      let next = 0;
      await Promise.all(
        posters.map(async (poster) => {
          while (next < open.length) {
            const receiver = open[next++]!;
            poster.cookie = receiver.cookie;
            const response = await poster.post('/nasc/event', `${mountEvent(receiver)},"clientId":"${receiver.clientId}"}`);
            if (response.status !== 202) throw new Error(`mount answered ${response.status}: ${response.body}`);
          }
        }),
      );
    }
    await withTimeout(mounted, DELIVERY_TIMEOUT_MS, `mounting ${receivers} receivers`);

    sender = await BenchSession.open(transport, port);
    await sleep(50);
    const samples: FanOutSample[] = [];
    for (let i = 0; i < warmup + events; i++) {
      // The instance is at rev 1 after mounting; event i brings it to rev i + 2.
      const delivered = expect(() => `"rev":${i + 2}}`);
      const started = performance.now();
      const sent = sender.send('toggle', instance, `${instance}-e${i}`);
      await withTimeout(delivered, DELIVERY_TIMEOUT_MS, `fan-out of event ${i} (${remaining} of ${open.length} missing)`);
      await sent;
      if (i >= warmup) {
        const times = open.map((receiver) => receiver.receivedAt - started);
        samples.push({ last: Math.max(...times), median: median(times) });
      }
      await sleep(GAP_MS);
    }
    return samples;
  } finally {
    sender?.close();
    for (const poster of posters) poster.close();
    for (const receiver of open) receiver.socket.destroy();
  }
}

/** Fan-out to each receiver count on both transports, Nasc and bare alternately, `runs` times. */
export async function runFanOut(servers: { nasc: BenchServer; bare: BenchServer }, config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const results: Comparison[] = [];
  for (const transport of ['sse', 'ws'] as const) {
    for (const receivers of config.fanOut.receivers) {
      const name = `${transport.toUpperCase()}, ${receivers.toLocaleString('en')} clients`;
      const cases = [
        { pick: (s: FanOutSample[]) => percentile(s.map((x) => x.last), 50), result: comparison('Fan-out', `${name}, last p50`, 'ms', 2) },
        { pick: (s: FanOutSample[]) => percentile(s.map((x) => x.last), 99), result: comparison('Fan-out', `${name}, last p99`, 'ms', 2) },
        { pick: (s: FanOutSample[]) => percentile(s.map((x) => x.median), 50), result: comparison('Fan-out', `${name}, half p50`, 'ms', 2) },
      ];
      results.push(...cases.map((entry) => entry.result));
      for (let run = 0; run < config.runs; run++) {
        for (const server of runOrder(run, servers.nasc, servers.bare)) {
          let samples: FanOutSample[] = [];
          await measureOrNaN(`${server.kind} fan-out ${name}`, log, async () => {
            samples = await measureFanOut(server.port, transport, receivers, config.fanOut.events, config.fanOut.warmup);
            return 0;
          });
          for (const { pick, result } of cases) result[server.kind].push(samples.length ? pick(samples) : Number.NaN);
        }
        const p99 = cases[1]!.result;
        log(`fan-out run ${run + 1} ${name}: last p99 nasc ${p99.nasc.at(-1)!.toFixed(2)} ms, bare ${p99.bare.at(-1)!.toFixed(2)} ms`);
      }
    }
  }
  return results;
}
