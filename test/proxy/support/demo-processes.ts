import { randomBytes } from 'node:crypto';
import { freePort } from '../../e2e/support/free-port.js';
import type { NodeProcess } from '../../scale/support/cluster.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../../scale/support/redis-env.js';
import { startDemoProcess } from './demo-process.js';

/**
 * The demo as several processes on one Redis, each on a fixed free port (the proxies' files name them),
 * under a key prefix no other run uses, with one NASC_SECRET, as docs/deployment.md runs them.
 * `runWith(settings)` starts every process that is not running (a test killed it) or runs with other
 * settings, on its own port.
 */
export class DemoProcesses {
  readonly ports: readonly number[];
  readonly prefix = uniquePrefix('proxy');
  readonly #secret = randomBytes(32).toString('base64url');
  readonly #nodes: NodeProcess[] = [];
  /** The settings each process was started with. */
  readonly #settings: string[] = [];

  private constructor(ports: number[]) {
    this.ports = ports;
  }

  /** Picks `count` free ports; no process runs until {@link runWith}. */
  static async choosePorts(count: number): Promise<DemoProcesses> {
    return new DemoProcesses(await Promise.all(Array.from({ length: count }, () => freePort())));
  }

  /** The processes running now. */
  get running(): NodeProcess[] {
    return this.#nodes.filter((node) => node.running);
  }

  /** Makes every process run, with `settings` (demo settings such as TRUST_PROXY) added to their environment. */
  async runWith(settings: Record<string, string>): Promise<void> {
    const wanted = JSON.stringify(settings);
    await Promise.all(
      this.ports.map(async (port, index) => {
        const node = this.#nodes[index];
        if (node?.running && this.#settings[index] === wanted) return;
        await node?.stop('SIGTERM');
        this.#nodes[index] = await startDemoProcess(String.fromCharCode(65 + index), port, {
          ...settings,
          REDIS_URL,
          REDIS_PREFIX: this.prefix,
          NASC_SECRET: this.#secret,
        });
        this.#settings[index] = wanted;
      }),
    );
  }

  /** Every process's log tail, for failure messages. */
  get logs(): string {
    return this.#nodes.map((node) => `--- process ${node.name} (port ${node.port}) ---\n${node.log.slice(-3_000)}`).join('\n');
  }

  /** Stops every process and deletes the run's keys. */
  async close(): Promise<void> {
    await Promise.all(this.#nodes.map((node) => node.stop('SIGTERM')));
    await deletePrefix(this.prefix).catch(() => undefined);
  }
}
