import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RenderCost } from './render-cost-report.js';

const SCRIPT = fileURLToPath(new URL('./render-cost.js', import.meta.url));

/**
 * Runs bench/render-cost.ts in a process of its own (a heap and a JIT of its own, as in a server) on the
 * load generator's core, and returns its figures.
 */
export function runRenderCost(options: { runs: number; ms: number }): Promise<RenderCost> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, '--json', `--runs=${options.runs}`, `--ms=${options.ms}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`render-cost exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last) as RenderCost);
    });
  });
}
