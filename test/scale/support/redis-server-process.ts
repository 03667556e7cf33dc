import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../e2e/support/free-port.js';
import { directClient } from './redis-env.js';

const START_TIMEOUT_MS = 20_000;

/**
 * True when `redis-server` can be started here. Otherwise the test is reported as skipped with the reason,
 * or, in CI (`CI=true`, where .ci/run installs it), fails.
 */
export function redisServerOrSkip(t: TestContext): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return true;
  const reason = 'redis-server is not installed (apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(`CI=true, so the scale tests must run: ${reason}`);
  t.skip(reason);
  return false;
}

/**
 * A private redis-server on a free loopback port, for tests that stop and restart Redis without disturbing
 * the shared one. Its data lives in a temporary directory with the append-only file synced on every write,
 * so a restart (even after SIGKILL) comes back with every acknowledged write, like a durable production Redis.
 */
export class RedisServerProcess {
  readonly port: number;
  readonly #dir: string;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(await freePort(), mkdtempSync(join(tmpdir(), 'nasc-redis-')));
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port and data) and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-5_000);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-5_000);
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${this.#output}`);
      if (await this.#answers()) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer within ${START_TIMEOUT_MS} ms: ${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops it with `signal` (SIGKILL: an abrupt crash) and waits until the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Stops it and deletes its data. */
  async close(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #answers(): Promise<boolean> {
    const client = directClient(this.url);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}
