import { spawn, type ChildProcess } from 'node:child_process';

/** A server script run as a child process that printed `listening <port>`. */
export interface ChildServer {
  readonly port: number;
  readonly child: ChildProcess;
  /** What it wrote to stderr so far (for failure messages). */
  readonly log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `node [nodeArgs] script` with `env` added and waits (up to `timeoutMs`) for its `listening <port>`
 * line; rejects with its stderr if it exits or stays silent.
 */
export function startChildServer(script: string, env: Record<string, string> = {}, nodeArgs: string[] = [], timeoutMs = 20_000): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not print its port within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        port: Number(match[1]),
        child,
        log: () => stderr,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((done) => child.once('exit', () => done()));
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before listening: ${stderr}`));
    });
  });
}
