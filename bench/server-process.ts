import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryReport } from './memory-report.js';
import { withTimeout } from './sleep.js';

/** Which server a benchmark talks to. */
export type ServerKind = 'nasc' | 'bare';

/** The core servers run on; the load generator runs on {@link LOAD_CORE}. */
export const SERVER_CORE = 0;
/** The core of the load generator (this process, its client processes and Chromium). */
export const LOAD_CORE = 1;

const ENTRY: Record<ServerKind, string> = {
  nasc: fileURLToPath(new URL('./nasc-bench-server.js', import.meta.url)),
  bare: fileURLToPath(new URL('./bare-server-main.js', import.meta.url)),
};
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Pin to {@link SERVER_CORE} with taskset (default true; false on a one-core machine). */
  pin?: boolean;
  /** Write a V8 CPU profile of the whole run into this directory (`--cpu-prof`). */
  cpuProfileDir?: string;
  /** More flags for node, e.g. `--heapsnapshot-signal=SIGUSR2`. */
  nodeArgs?: string[];
  /** The server's working directory (where heap snapshots land). */
  cwd?: string;
  /** More environment for the server, e.g. `NASC_BENCH_WS=route`. */
  env?: Record<string, string>;
}

/**
 * Starts a bench server as a child: `taskset -c 0 bash -c 'ulimit -n 65536; exec node --expose-gc <entry>'`.
 * Resolves once it printed `READY <port>`. The child stops on {@link BenchServer.stop}, or by itself when this
 * process dies (its stdin ends).
 */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<BenchServer> {
  const nodeArgs = ['--expose-gc', ...(options.nodeArgs ?? [])];
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`);
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';
  const bash = ['bash', '-c', script, process.execPath, ...nodeArgs, ENTRY[kind]];
  const [command, ...args] = options.pin === false ? bash : ['taskset', '-c', String(SERVER_CORE), ...bash];
  const child = spawn(command!, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // Production, as a deployment runs: development checks (the frozen state of `immutableState` handlers) off.
    env: { ...process.env, NODE_ENV: 'production', NASC_LOG_LEVEL: 'error', ...options.env },
  });
  let output = '';
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (text: string) => {
        output += text;
        const match = /READY (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        output += text;
        process.stderr.write(`[${kind} server] ${text}`);
      });
      child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before it was ready: ${output}`)));
    }),
    START_TIMEOUT_MS,
    `starting the ${kind} server`,
  );
  return new BenchServer(kind, port, child);
}

/** A running bench server child process. */
export class BenchServer {
  readonly kind: ServerKind;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(kind: ServerKind, port: number, child: ChildProcess) {
    this.kind = kind;
    this.port = port;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** The server's process id (taskset and bash exec into node, so it is node's). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's memory after a full GC (it collects when asked). */
  async memory(): Promise<MemoryReport> {
    const response = await withTimeout(fetch(`${this.origin}/__bench/memory`), 30_000, `${this.kind} memory report`);
    return (await response.json()) as MemoryReport;
  }

  /** CPU time (user + system) the server has used so far, in µs. */
  async cpuMicros(): Promise<number> {
    const response = await withTimeout(fetch(`${this.origin}/__bench/cpu`), 10_000, `${this.kind} CPU report`);
    return ((await response.json()) as { cpuMicros: number }).cpuMicros;
  }

  /** SIGTERM (the profile, if any, is written), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    try {
      await withTimeout(this.#exited, STOP_TIMEOUT_MS, `stopping the ${this.kind} server`);
    } catch {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }
}
