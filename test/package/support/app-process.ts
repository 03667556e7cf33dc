import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanEnv } from './packed-nasc.js';

/** Starting a server on two noisy cores. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** An app a test started the way its guide says (`node server.js`), on a port the test chose. */
export class AppProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  #output = '';

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
  }

  /**
   * Runs `command` (one line, e.g. `node server.js`) in `cwd` with `PORT` set, and waits until the app
   * answers `GET /` with 200.
   */
  static async start(command: string, cwd: string, port: number): Promise<AppProcess> {
    const [program, ...args] = command.trim().split(/\s+/);
    const child = spawn(program === 'node' ? process.execPath : program!, args, { cwd, env: cleanEnv({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
    const app = new AppProcess(port, child);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!app.running) throw new Error(`\`${command}\` exited before it answered:\n${app.output}`);
      const answered = await fetch(`${app.origin}/`).then((response) => response.status === 200, () => false);
      if (answered) return app;
      if (Date.now() > deadline) {
        await app.stop();
        throw new Error(`\`${command}\` did not answer within ${START_TIMEOUT_MS} ms:\n${app.output}`);
      }
      await sleep(100);
    }
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything it printed, stdout and stderr. */
  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Ctrl+C, as the guide says; SIGKILL if it does not exit. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
