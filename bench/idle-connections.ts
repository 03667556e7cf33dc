import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, runOrder, type Comparison } from './comparison.js';
import { startServer, type ServerKind, type StartOptions } from './server-process.js';
import { sleep, withTimeout } from './sleep.js';

const CLIENT_ENTRY = fileURLToPath(new URL('./idle-clients-main.js', import.meta.url));
const OPEN_TIMEOUT_MS = 120_000;
const SETTLE_MS = 1_000;

interface ClientReport {
  opened: number;
  failed: number;
  dropped: number;
}

/** One idle-client child process (see idle-clients-main.ts) and its last report. */
class IdleClients {
  readonly #child: ChildProcess;
  #last: ClientReport = { opened: 0, failed: 0, dropped: 0 };
  #waiting: ((report: ClientReport) => void) | undefined;

  constructor(port: number, transport: Transport) {
    const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';
    this.#child = spawn('bash', ['-c', script, process.execPath, CLIENT_ENTRY, String(port), transport], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.#last = JSON.parse(line) as ClientReport;
      this.#waiting?.(this.#last);
    });
  }

  get report(): ClientReport {
    return this.#last;
  }

  /** Opens `count` more streams; resolves with the totals once they are open (or failed). */
  open(count: number): Promise<ClientReport> {
    const done = new Promise<ClientReport>((resolve) => (this.#waiting = resolve));
    this.#child.stdin!.write(`open ${count}\n`);
    return withTimeout(done, OPEN_TIMEOUT_MS, `opening ${count} idle streams`);
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin!.end('close\n');
    try {
      await withTimeout(exited, 10_000, 'closing idle clients');
    } catch {
      this.#child.kill('SIGKILL');
    }
  }
}

/** What one idle run measured at each count. */
export interface IdleStep {
  count: number;
  /** Server RSS growth per open stream, in bytes (after a full GC, against the same server before any). */
  rssPerConnection: number;
  heapPerConnection: number;
  /** Streams that failed to open, or were dropped, so far. */
  failures: number;
  /** Streams the server itself counted as open. */
  serverStreams: number;
}

/**
 * Opens idle streams against a fresh server in steps (`counts`, cumulative) from client processes of at most
 * `perProcess` streams each, and measures the server's RSS after a full GC at each step.
 */
export async function measureIdle(kind: ServerKind, transport: Transport, counts: number[], perProcess: number, start: StartOptions): Promise<IdleStep[]> {
  const server = await startServer(kind, start);
  const processes = Math.max(1, Math.ceil(Math.max(...counts) / perProcess));
  const clients = Array.from({ length: processes }, () => new IdleClients(server.port, transport));
  try {
    await sleep(SETTLE_MS);
    const base = await server.memory();
    const steps: IdleStep[] = [];
    let open = 0;
    for (const count of counts) {
      const more = count - open;
      const reports = await Promise.all(
        clients.map((client, i) => client.open(Math.floor(more / processes) + (i < more % processes ? 1 : 0))),
      );
      open = count;
      await sleep(SETTLE_MS);
      const memory = await server.memory();
      const failures = reports.reduce((sum, report) => sum + report.failed + report.dropped, 0);
      steps.push({
        count,
        rssPerConnection: (memory.rss - base.rss) / count,
        heapPerConnection: (memory.heapUsed - base.heapUsed) / count,
        failures,
        serverStreams: memory.streams,
      });
    }
    return steps;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  }
}

/**
 * What is measured: SSE, WS as the docs set it up (`nasc.attach`), and WS through the Hono route
 * (`serve({ websocket })`), which keeps each socket's request context alive. Only the first two are judged
 * against the targets (their labels start with the transport); the third is there to show the difference.
 */
const IDLE_CASES: readonly { transport: Transport; name: string; env?: Record<string, string> }[] = [
  { transport: 'sse', name: 'SSE' },
  { transport: 'ws', name: 'WS' },
  { transport: 'ws', name: 'Hono-route WS', env: { NASC_BENCH_WS: 'route' } },
];

/** Idle-connection figures: RSS per connection and failures, per count and transport, Nasc and bare. */
export interface IdleResults {
  memory: Comparison[];
  failures: Comparison[];
}

/** Idle connections at each count on both transports, a fresh server per run, Nasc and bare alternately. */
export async function runIdle(config: BenchConfig, start: StartOptions, log: (line: string) => void): Promise<IdleResults> {
  const memory: Comparison[] = [];
  const failures: Comparison[] = [];
  for (const { transport, name, env } of IDLE_CASES) {
    const byCount = config.idle.counts.map((count) => ({
      count,
      memory: comparison('Idle connections', `${name}, ${count.toLocaleString('en')} open`, 'KB RSS per connection', 1),
      failures: comparison('Idle connections', `${name}, ${count.toLocaleString('en')} open`, 'failed or dropped', 0),
      streams: { nasc: [] as number[], bare: [] as number[] },
    }));
    memory.push(...byCount.map((entry) => entry.memory));
    failures.push(...byCount.map((entry) => entry.failures));
    for (let run = 0; run < config.idle.runs; run++) {
      for (const kind of runOrder<ServerKind>(run, 'nasc', 'bare')) {
        let steps: IdleStep[] = [];
        try {
          steps = await measureIdle(kind, transport, config.idle.counts, config.idle.perProcess, kind === 'nasc' && env ? { ...start, env } : start);
        } catch (error) {
          log(`FAILED ${kind} ${name} idle run: ${error instanceof Error ? error.message : String(error)}`);
        }
        for (const entry of byCount) {
          const step = steps.find((candidate) => candidate.count === entry.count);
          entry.memory[kind].push(step ? step.rssPerConnection / 1024 : Number.NaN);
          entry.failures[kind].push(step ? step.failures : entry.count);
        }
        log(
          `idle run ${run + 1} ${kind} ${name}: ` +
            steps.map((s) => `${s.count} → ${(s.rssPerConnection / 1024).toFixed(1)} KB/conn (heap ${(s.heapPerConnection / 1024).toFixed(1)} KB), ${s.failures} failed, server counts ${s.serverStreams}`).join('; '),
        );
      }
    }
  }
  return { memory, failures };
}
