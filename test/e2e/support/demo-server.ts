import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

/** The compiled demo entry point, seen from dist/test/e2e/support/. */
const DEMO_MAIN = fileURLToPath(new URL('../../../demo/main.js', import.meta.url));
const READY = /Nasc demo on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** How to start the demo. */
export interface DemoServerOptions {
  /** Run with NASC_MEMORY=1 instead of the SQLite file. */
  memory?: boolean;
}

/**
 * The real demo server (`node dist/demo/main.js`) as a child process, on a free port with its own
 * temporary SQLite file. `restart()` starts it again on the same port and file, as a person would.
 */
export class DemoServer {
  readonly port: number;
  readonly dbPath: string;
  readonly #dir: string;
  readonly #memory: boolean;
  /** The session-signing secret, the same across restarts (so the pages' session cookies stay valid). */
  readonly #secret = randomBytes(32).toString('base64url');
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(port: number, dir: string, memory: boolean) {
    this.port = port;
    this.#dir = dir;
    this.dbPath = join(dir, 'demo.db');
    this.#memory = memory;
  }

  static async start(options: DemoServerOptions = {}): Promise<DemoServer> {
    const server = new DemoServer(await freePort(), mkdtempSync(join(tmpdir(), 'nasc-e2e-')), options.memory ?? false);
    await server.#spawn();
    return server;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The demo page, over the given transport (or the page's default). */
  url(transport?: 'sse' | 'ws'): string {
    return transport ? `${this.origin}/?transport=${transport}` : `${this.origin}/`;
  }

  /** Everything the server printed, for failure messages. */
  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stops the server (SIGTERM: it closes its streams and the store) and waits until it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the server again on the same port and database file. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Stops the server and removes its database. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      NASC_DB: this.dbPath,
      NASC_LOG_LEVEL: 'warn',
      NASC_SECRET: this.#secret,
    };
    if (this.#memory) env.NASC_MEMORY = '1';
    else delete env.NASC_MEMORY;
    const child = spawn(process.execPath, [DEMO_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const from = this.#output.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the demo did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        this.#output += chunk.toString();
        if (READY.test(this.#output.slice(from))) done();
      };
      const onExit = (code: number | null): void => fail(new Error(`the demo exited (${code}) before it was ready`));
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const fail = (error: Error): void => {
        cleanup();
        child.kill('SIGKILL');
        reject(new Error(`${error.message}\n--- output ---\n${this.#output}`));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
      child.once('exit', onExit);
    });
  }
}
