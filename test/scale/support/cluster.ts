import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { deletePrefix, REDIS_URL, uniquePrefix } from './redis-env.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./scale-server.js', import.meta.url));
/** Two noisy cores: starting a process (and connecting to Redis) can take a few seconds. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** How much of a process's stderr is kept for failure messages. */
const KEEP_LOG_CHARS = 20_000;

/** One server process of the cluster. */
export class NodeProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  #log = '';

  constructor(name: string, port: number, child: ChildProcess, startupLog = '') {
    this.name = name;
    this.port = port;
    this.child = child;
    this.#log = startupLog;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-KEEP_LOG_CHARS);
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** What the process wrote to stderr (its structured log), for failure messages. */
  get log(): string {
    return this.#log;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit; SIGKILL after a grace period for anything gentler. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const cut = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(cut);
  }
}

/** Where the processes find Redis and what they share. */
export interface ClusterOptions {
  redisUrl?: string;
  /** Default: a fresh prefix for this cluster; cleaned up by {@link Cluster.close}. */
  prefix?: string;
  /** Extra environment for every process. */
  env?: Record<string, string>;
}

/**
 * N Nasc processes on loopback sharing one Redis (under one key prefix) and one session secret, as a
 * scaled-out app runs. `close()` stops them all and deletes the prefix's keys.
 */
export class Cluster {
  readonly prefix: string;
  readonly redisUrl: string;
  /** Shared by every process, as `NASC_SECRET` must be in production. */
  readonly secret = randomBytes(32).toString('base64url');
  readonly nodes: NodeProcess[] = [];
  readonly #env: Record<string, string>;
  #started = 0;

  constructor(label: string, options: ClusterOptions = {}) {
    this.prefix = options.prefix ?? uniquePrefix(label);
    this.redisUrl = options.redisUrl ?? REDIS_URL;
    this.#env = options.env ?? {};
  }

  /** Starts `count` processes at once and waits until every one listens. */
  async start(count: number): Promise<NodeProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, () => this.add()));
    return started;
  }

  /** Starts one more process. */
  async add(): Promise<NodeProcess> {
    // Named in start order (A, B, C...), taken before any await so concurrent starts get distinct names.
    const name = String.fromCharCode(65 + this.#started++);
    const child = spawn(process.execPath, [SERVER_SCRIPT], {
      env: {
        ...process.env,
        ...this.#env,
        PORT: '0',
        REDIS_URL: this.redisUrl,
        NASC_PREFIX: this.prefix,
        NASC_SECRET: this.secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const keepStartupLog = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString()).slice(-KEEP_LOG_CHARS);
    };
    child.stderr!.on('data', keepStartupLog);
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`process ${name} did not listen within ${START_TIMEOUT_MS} ms; stderr: ${stderr}`));
      }, START_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(Number(match[1]));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`process ${name} exited before listening (${code ?? signal}); stderr: ${stderr}`));
      });
    });
    child.stderr!.off('data', keepStartupLog);
    const node = new NodeProcess(name, port, child, stderr);
    this.nodes.push(node);
    return node;
  }

  /** Stops every process still running and deletes this cluster's keys. Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop('SIGTERM')));
    await deletePrefix(this.prefix, this.redisUrl).catch(() => undefined);
  }
}

/**
 * A session cookie for the whole cluster: issued by one process on its first stream, valid on every other
 * (they share the secret). Pass it explicitly as `cookie` to the test clients, whose own cookie registry is
 * per host:port.
 */
export async function clusterCookie(node: NodeProcess): Promise<string> {
  const response = await fetch(`${node.baseUrl}/nasc/events?clientId=cookie-bootstrap`);
  const setCookie = response.headers.get('Set-Cookie');
  await response.body?.cancel();
  if (!setCookie) throw new Error(`process ${node.name} set no session cookie`);
  return setCookie.split(';')[0]!;
}
