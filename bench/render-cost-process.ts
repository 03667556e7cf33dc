import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FirstPaint, RenderCost } from './render-cost-report.js';

/**
 * Runs bench/render-cost.ts in a process of its own (a heap and a JIT of its own, as in a server) on the
 * load generator's core, and returns its figures.
 */
export function runRenderCost(options: { runs: number; ms: number }): Promise<RenderCost> {
  return runJson<RenderCost>('render-cost.js', [`--runs=${options.runs}`, `--ms=${options.ms}`]);
}

/** Runs bench/first-paint.ts (two demo servers and Chromium) in a process of its own, and returns its figures. */
export function runFirstPaint(options: { paintRuns: number }): Promise<FirstPaint> {
  return runJson<FirstPaint>('first-paint.js', [`--runs=${options.paintRuns}`]);
}

/** Runs a bench script with `--json` and parses the last line it prints. */
function runJson<T>(script: string, args: string[]): Promise<T> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path, '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${script} exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}
