/**
 * Scale-out figures on this machine, against a real Redis (`REDIS_URL`, default redis://127.0.0.1:6379):
 *
 *   npx tsc -p . && node dist/bench/scale-out.js [--seconds=4] [--rounds=2]
 *
 * 1. Event throughput with 1, 2 and 3 Nasc processes on one Redis, the same load generator for each: 48
 *    keep-alive POST loops spread over the processes, on 32 counter instances, with 3 SSE watchers (spread
 *    over the processes) subscribed to all of them, so every change is also fanned out across processes. The
 *    counts are checked afterwards: accepted events = sum of the counters. Also reported: the servers' CPU
 *    time per event and how many cores were busy in all (on a 2-core machine, the limit).
 * 2. Failover: 12 SSE clients through a round-robin TCP balancer in front of 3 processes; the process holding
 *    the most streams is killed with SIGKILL; each of its clients reconnects at once through the balancer
 *    and mounts again with the revision it holds. Reported: time from the kill to the new stream's first message (live again), and to the
 *    first change made after the kill arriving on it.
 *
 * 2b. The cost of one more process: all load on one of two processes; the other's CPU per event is what
 *    hearing the bus costs.
 *
 * Bounded: a few seconds per configuration, about a minute in all; every process is stopped and every key
 * deleted at the end, whatever happens.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { Cluster, clusterCookie, type NodeProcess } from '../test/scale/support/cluster.js';
import { directClient, REDIS_URL } from '../test/scale/support/redis-env.js';
import { TcpBalancer } from '../test/scale/support/tcp-balancer.js';
import { SseClient } from '../test/support/sse-client.js';

const args = process.argv.slice(2);
const SECONDS = Number(args.find((arg) => arg.startsWith('--seconds='))?.slice(10) ?? 4);
/** Each configuration runs once per round, rounds interleaved, so a burst of other work on the machine hits one row, not one configuration. */
const ROUNDS = Number(args.find((arg) => arg.startsWith('--rounds='))?.slice(9) ?? 2);
const WARMUP_MS = 1_000;
const LOOPS = 48;
const INSTANCES = 32;
/** SSE streams subscribed to every instance, spread over the processes. */
const WATCHERS = 3;
const FAILOVER_CLIENTS = 12;
const HARD_LIMIT_MS = 5 * 60_000;

interface ThroughputResult {
  processes: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /** CPU time of all Nasc processes per event: what one event costs the servers, however many they are. */
  serverCpuUsPerEvent: number;
  /** With the load on the first process only: CPU per event of each other process (it only hears the bus). */
  idleCpuUsPerEvent: number;
  /** Cores busy on average during the run: Nasc processes + Redis + this load generator. */
  coresBusy: number;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds Redis has used (INFO cpu). */
async function redisCpuSeconds(): Promise<number> {
  const client = directClient();
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('cpu');
    const read = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
    return read('used_cpu_user') + read('used_cpu_sys');
  } catch {
    return Number.NaN;
  } finally {
    client.disconnect();
  }
}

/** CPU seconds of every party at one moment. */
async function cpuSnapshot(nodes: readonly NodeProcess[]): Promise<{ servers: number; others: number; redis: number; generator: number; at: number }> {
  const usage = process.cpuUsage();
  const each = nodes.map((node) => processCpuSeconds(node.child.pid));
  return {
    servers: each.reduce((sum, seconds) => sum + seconds, 0),
    others: each.slice(1).reduce((sum, seconds) => sum + seconds, 0),
    redis: await redisCpuSeconds(),
    generator: (usage.user + usage.system) / 1e6,
    at: performance.now(),
  };
}

/** A JSON POST over a keep-alive agent: far cheaper per request than fetch, so the generator keeps up. */
function post(agent: Agent, port: number, cookie: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/nasc/event', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Cookie: cookie } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs the load on `processes` processes. With `loadFirstOnly`, every POST goes to the first process and the
 * others only receive what the bus carries: their CPU per event is the cost of one more process.
 */
async function throughput(processes: number, loadFirstOnly = false): Promise<ThroughputResult> {
  const cluster = new Cluster(`bench-${processes}`);
  const watchers: SseClient[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
  try {
    const nodes = await cluster.start(processes);
    const cookie = await clusterCookie(nodes[0]!);
    // The same watchers whatever the number of processes, spread over them: the fan-out work stays the same.
    for (let index = 0; index < WATCHERS; index++) {
      const node = nodes[index % nodes.length]!;
      const watcher = await SseClient.connect(`${node.baseUrl}/nasc/events?clientId=watcher-${index}`, { cookie });
      watchers.push(watcher);
      await watcher.messages.next(undefined, 10_000, 'the opening []');
      for (let i = 0; i < INSTANCES; i++) {
        const status = await post(agent, node.port, cookie, JSON.stringify({ clientId: `watcher-${index}`, event: 'mount', type: 'Counter', instance: `i${i}`, payload: {} }));
        if (status !== 202) throw new Error(`mount answered ${status}`);
      }
    }
    let accepted = 0;
    let failed = 0;
    const failures = new Map<string, number>();
    let measuring = false;
    let measured = 0;
    const latencies: number[] = [];
    const stopAt = performance.now() + WARMUP_MS + SECONDS * 1000;
    let seq = 0;
    let cpuAtStart: Awaited<ReturnType<typeof cpuSnapshot>> | undefined;
    setTimeout(() => {
      measuring = true;
      void cpuSnapshot(nodes).then((snapshot) => {
        cpuAtStart = snapshot;
      });
    }, WARMUP_MS);
    const started = performance.now() + WARMUP_MS;
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, loop) => {
        const node = loadFirstOnly ? nodes[0]! : nodes[loop % nodes.length]!;
        const instance = `i${loop % INSTANCES}`;
        while (performance.now() < stopAt) {
          const body = JSON.stringify({ clientId: `load-${loop}`, event: 'inc', type: 'Counter', instance, payload: {}, eventId: `e${seq++}` });
          const sent = performance.now();
          const status = await post(agent, node.port, cookie, body).catch((error: unknown) => {
            failures.set(String(error), (failures.get(String(error)) ?? 0) + 1);
            return 0;
          });
          if (status === 202) accepted += 1;
          else failed += 1;
          if (status !== 202 && status !== 0) failures.set(`HTTP ${status}`, (failures.get(`HTTP ${status}`) ?? 0) + 1);
          if (measuring && status === 202) {
            measured += 1;
            latencies.push(performance.now() - sent);
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpuAtEnd = await cpuSnapshot(nodes);
    const cpu = cpuAtStart ?? cpuAtEnd;
    const wall = (cpuAtEnd.at - cpu.at) / 1000;
    // Every accepted increment must be in the counters: a lost or doubled update would show here.
    let total = 0;
    for (let i = 0; i < INSTANCES; i++) {
      const response = await fetch(`${nodes[0]!.baseUrl}/control/state?type=Counter&instance=i${i}`);
      const body = (await response.json()) as { record: { state: { count: number } } | null };
      total += body.record?.state.count ?? 0;
    }
    if (total !== accepted) throw new Error(`${accepted} increments accepted but the counters add up to ${total}`);
    latencies.sort((x, y) => x - y);
    if (failures.size > 0) {
      const logged = nodes.flatMap((node) => node.log.split('\n').filter((line) => line.includes('"level":"error"'))).slice(0, 3);
      console.log(`  (${processes} processes: failed requests ${JSON.stringify([...failures])}${logged.length ? `; server errors: ${logged.join(' | ')}` : ''})`);
    }
    return {
      processes,
      eventsPerSecond: Math.round(measured / elapsed),
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      failed,
      serverCpuUsPerEvent: ((cpuAtEnd.servers - cpu.servers) * 1e6) / Math.max(1, measured),
      idleCpuUsPerEvent: loadFirstOnly ? ((cpuAtEnd.others - cpu.others) * 1e6) / Math.max(1, measured) / Math.max(1, processes - 1) : Number.NaN,
      coresBusy: (cpuAtEnd.servers - cpu.servers + (cpuAtEnd.redis - cpu.redis) + (cpuAtEnd.generator - cpu.generator)) / wall,
    };
  } finally {
    agent.destroy();
    for (const watcher of watchers) await watcher.close().catch(() => undefined);
    await cluster.close();
  }
}

interface FailoverResult {
  victim: string;
  clients: number;
  liveAgainMs: number[];
  firstChangeMs: number[];
}

/** Mounts the client's instance, with the revision it holds when it has one (a reopened stream). */
type MountFollower = (clientId: string, rev?: number) => Promise<void>;

/** One client that reconnects through the balancer as soon as its stream ends, and mounts again from its revision. */
class FollowingClient {
  readonly #url: string;
  readonly #cookie: string;
  #stream: SseClient | undefined;
  #mount: MountFollower | undefined;
  #clientId = '';
  /** The last revision of the instance this client received. */
  #rev: number | undefined;
  #stopped = false;
  /** performance.now() of each stream's first message, and of each change seen. */
  readonly opened: number[] = [];
  readonly changes: number[] = [];

  constructor(url: string, cookie: string) {
    this.#url = url;
    this.#cookie = cookie;
  }

  async start(mount: MountFollower, clientId: string): Promise<void> {
    this.#mount = mount;
    this.#clientId = clientId;
    await this.#open();
    await mount(clientId);
    void this.#follow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#stream?.close();
  }

  async #open(): Promise<void> {
    // Bounded: a stream refused while processes are starting or dying is tried again a few times.
    for (let attempt = 0; attempt < 50 && !this.#stopped; attempt++) {
      try {
        const stream = await SseClient.connect(this.#url, { cookie: this.#cookie });
        await stream.messages.next(undefined, 10_000, 'the opening []');
        this.opened.push(performance.now());
        this.#stream = stream;
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  async #follow(): Promise<void> {
    while (!this.#stopped && this.#stream) {
      const stream = this.#stream;
      try {
        const message = await stream.messages.next(undefined, 60_000, 'a message');
        for (const patch of message.patches) if (patch.action === 'bindUpdate') this.#rev = patch.rev;
        if (message.patches.some((patch) => patch.action === 'bindUpdate')) this.changes.push(performance.now());
      } catch {
        if (this.#stopped) return;
        await this.#open();
        // Retried: the process that takes the mount may be the one that just died, seen by the balancer as up.
        for (let attempt = 0; attempt < 50 && !this.#stopped; attempt++) {
          try {
            await this.#mount?.(this.#clientId, this.#rev);
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      }
    }
  }
}

async function failover(): Promise<FailoverResult> {
  const cluster = new Cluster('bench-failover');
  let balancer: TcpBalancer | undefined;
  const clients: FollowingClient[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const nodes = await cluster.start(3);
    balancer = await TcpBalancer.start(nodes.map((node) => node.port));
    const cookie = await clusterCookie(nodes[0]!);
    for (let i = 0; i < FAILOVER_CLIENTS; i++) {
      const clientId = `follower-${i}`;
      const client = new FollowingClient(`${balancer.url}/nasc/events?clientId=${clientId}`, cookie);
      clients.push(client);
      await client.start(async (id, rev) => {
        const mount = { clientId: id, event: 'mount', type: 'Counter', instance: 'failover', payload: {}, ...(rev === undefined ? {} : { rev }) };
        const status = await post(agent, balancer!.port, cookie, JSON.stringify(mount));
        if (status !== 202) throw new Error(`mount answered ${status}`);
      }, clientId);
    }
    const counts = await Promise.all(nodes.map(async (node: NodeProcess) => ((await (await fetch(`${node.baseUrl}/control/streams`)).json()) as { streams: number }).streams));
    const victim = nodes[counts.indexOf(Math.max(...counts))]!;
    const survivor = nodes.find((node) => node !== victim)!;
    const before = clients.map((client) => client.opened.length);
    const killedAt = performance.now();
    await victim.stop('SIGKILL');
    // A change after the kill, made on a surviving process: every client must get it, wherever it is now.
    const status = await post(agent, survivor.port, cookie, JSON.stringify({ clientId: 'bench', event: 'inc', type: 'Counter', instance: 'failover', payload: {} }));
    if (status !== 202) throw new Error(`the change after the kill answered ${status}`);
    const deadline = performance.now() + 20_000;
    const moved = (): FollowingClient[] => clients.filter((client, i) => client.opened.length > before[i]!);
    while (performance.now() < deadline && !clients.every((client) => client.changes.some((time) => time > killedAt))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const movedClients = moved();
    return {
      victim: `${victim.name} (${Math.max(...counts)} of ${FAILOVER_CLIENTS} streams)`,
      clients: movedClients.length,
      liveAgainMs: movedClients.map((client) => client.opened.at(-1)! - killedAt),
      firstChangeMs: movedClients.map((client) => (client.changes.find((time) => time > killedAt) ?? Number.NaN) - killedAt),
    };
  } finally {
    agent.destroy();
    for (const client of clients) await client.stop().catch(() => undefined);
    await balancer?.close();
    await cluster.close();
  }
}

function summary(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (n=${sorted.length})`;
}

const hardStop = setTimeout(() => {
  console.error(`scale-out bench: stopped after ${HARD_LIMIT_MS / 1000} s`);
  process.exit(1);
}, HARD_LIMIT_MS);
hardStop.unref();

const probe = directClient();
probe.on('error', () => undefined);
try {
  await probe.connect();
  await probe.ping();
} catch (error) {
  console.error(`scale-out bench needs Redis at ${REDIS_URL}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
} finally {
  probe.disconnect();
}

console.log(`Nasc scale-out on Redis (${REDIS_URL}); ${LOOPS} POST loops, ${INSTANCES} instances, ${SECONDS} s per configuration after ${WARMUP_MS / 1000} s warm-up`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} before the run`);
console.log('| round | processes | events/s | p50 latency | p99 latency | failed | server CPU per event | cores busy (servers + Redis + generator) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const best = new Map<number, number>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const processes of [1, 2, 3]) {
    const result = await throughput(processes);
    best.set(processes, Math.max(best.get(processes) ?? 0, result.eventsPerSecond));
    console.log(
      `| ${round} | ${result.processes} | ${result.eventsPerSecond} | ${result.p50Ms.toFixed(1)} ms | ${result.p99Ms.toFixed(1)} ms | ${result.failed} | ` +
        `${result.serverCpuUsPerEvent.toFixed(0)} µs | ${result.coresBusy.toFixed(2)} |`,
    );
  }
}
console.log(`best of ${ROUNDS} rounds, events/s: ${[1, 2, 3].map((processes) => `${processes} process${processes > 1 ? 'es' : ''} ${best.get(processes)}`).join(', ')}`);
const idle = await throughput(2, true);
console.log(
  `cost of one more process: with all load on one of 2 processes (${idle.eventsPerSecond} events/s, ${idle.serverCpuUsPerEvent.toFixed(0)} µs CPU per event in all), ` +
    `the other spends ${idle.idleCpuUsPerEvent.toFixed(0)} µs CPU per event hearing the bus`,
);
const result = await failover();
console.log(`failover: killed ${result.victim}; ${result.clients} clients moved`);
console.log(`  live again on another process (first message on the new stream): ${summary(result.liveAgainMs)}`);
console.log(`  first change made after the kill, received: ${summary(result.firstChangeMs)}`);
process.exit(0);
