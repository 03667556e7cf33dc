import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerStatus } from './answer-status.js';

/** Which proxy runs a deploy file. */
export type ProxyKind = 'nginx' | 'haproxy';

/** Debian's packages put both here (outside a non-root user's PATH). */
export const PROXY_EXECUTABLES: Readonly<Record<ProxyKind, string>> = { nginx: '/usr/sbin/nginx', haproxy: '/usr/sbin/haproxy' };

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const KEEP_OUTPUT_CHARS = 20_000;

/**
 * nginx or HAProxy from Debian, run in the foreground on a rendered deploy file, never as a service: nginx
 * with its prefix, error log and pid file in `dir`; HAProxy with `-db`, logging to its stdout.
 */
export class ProxyProcess {
  readonly kind: ProxyKind;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #output = '';

  private constructor(kind: ProxyKind, child: ChildProcess, dir: string) {
    this.kind = kind;
    this.#child = child;
    this.#dir = dir;
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-KEEP_OUTPUT_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /**
   * Starts `kind` on `configPath` and waits until `${origin}/nasc/ready` answers 200 through it, which means
   * it listens and reaches a Nasc process.
   */
  static async start(kind: ProxyKind, configPath: string, dir: string, origin: string): Promise<ProxyProcess> {
    const args =
      kind === 'nginx'
        ? ['-p', dir, '-c', configPath, '-e', join(dir, 'nginx-error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`]
        : ['-db', '-f', configPath];
    const proxy = new ProxyProcess(kind, spawn(PROXY_EXECUTABLES[kind], args, { stdio: ['ignore', 'pipe', 'pipe'] }), dir);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!proxy.running) throw new Error(`${kind} exited (${proxy.#child.exitCode ?? proxy.#child.signalCode}) on ${configPath}:\n${proxy.output}`);
      if ((await answerStatus(`${origin}/nasc/ready`).catch(() => 0)) === 200) return proxy;
      if (Date.now() > deadline) {
        await proxy.stop();
        throw new Error(`${kind} did not answer ${origin}/nasc/ready with 200 within ${START_TIMEOUT_MS} ms:\n${proxy.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What it printed, and nginx's error log: for failure messages. */
  get output(): string {
    if (this.kind !== 'nginx') return this.#output;
    let errorLog = '';
    try {
      errorLog = readFileSync(join(this.#dir, 'nginx-error.log'), 'utf8').slice(-KEEP_OUTPUT_CHARS);
    } catch {
      // No error log yet: nginx never got that far.
    }
    return `${this.#output}\n--- nginx error log ---\n${errorLog}`;
  }

  /** SIGTERM (both stop at once, cutting open streams) and waits for the exit; SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGTERM');
    const cut = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(cut);
  }
}
