import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NodeProcess } from '../../scale/support/cluster.js';

/** The compiled demo, seen from dist/test/proxy/support/. */
const DEMO_MAIN = fileURLToPath(new URL('../../../demo/main.js', import.meta.url));
const READY = /Nasc demo on http:\/\/\S+/;
/** Two noisy cores: starting a process (and connecting it to Redis) can take a few seconds. */
const START_TIMEOUT_MS = 30_000;
const KEEP_LOG_CHARS = 20_000;
/** The demo's settings: only what the caller passes counts, never what this shell happens to export. */
const DEMO_SETTINGS = ['PORT', 'HOST', 'NASC_DB', 'NASC_MEMORY', 'REDIS_URL', 'REDIS_PREFIX', 'TRUST_PROXY', 'ALLOWED_ORIGINS'];

/**
 * Starts the demo (`node dist/demo/main.js`) on 127.0.0.1:`port` with `env` added to this process's
 * environment (its settings: REDIS_URL, TRUST_PROXY, ...), and waits until it says it listens.
 */
export async function startDemoProcess(name: string, port: number, env: Record<string, string>): Promise<NodeProcess> {
  const inherited = { ...process.env };
  for (const name of DEMO_SETTINGS) delete inherited[name];
  const child = spawn(process.execPath, [DEMO_MAIN], {
    env: { ...inherited, NASC_LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-KEEP_LOG_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo process ${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`demo process ${name} exited (${code ?? signal}) before it listened:\n${output}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', function onData() {
      if (!READY.test(output)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.off('data', onData);
      resolve();
    });
  });
  child.stdout!.off('data', keep);
  child.stderr!.off('data', keep);
  // Nothing reads stdout from here on: let it flow, so the process never blocks on a full pipe.
  child.stdout!.resume();
  // NodeProcess keeps the stderr from here on, after what the start printed.
  return new NodeProcess(name, port, child, output);
}
