/**
 * What a Hono route costs before Nasc does anything: the same event POST answered with a fixed 202 by a
 * `node:http` server and by a Hono app on `@hono/node-server` (`hono-floor-server.js`, pinned to the server
 * core), POSTed on keep-alive sockets in a closed loop at concurrency 1 and 8 (`HttpPoster`, as section 1–2
 * does), alternately, `--rounds` times. Prints the rate and the server's CPU per request of each. A tool for
 * finding 46 (why the Hono-route wiring misses its SSE throughput targets), not part of `npm run bench`.
 *
 * @example
 * npm run build:bench && node dist/bench/hono-floor.js --rounds=3
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HttpPoster } from './http-poster.js';
import { SERVER_CORE } from './server-process.js';
import { median } from './stats.js';

const rounds = Number(process.argv.find((arg) => arg.startsWith('--rounds='))?.slice(9) ?? 3);
const WINDOW_MS = 3_000;
const WARMUP_MS = 500;
const BODY = '{"event":"toggle","type":"Toggle","instance":"bench","payload":{},"eventId":"bench.1","clientId":"bench-client"}';
const ENTRY = fileURLToPath(new URL('./hono-floor-server.js', import.meta.url));

type Kind = 'node' | 'hono';

async function measure(kind: Kind, concurrency: number): Promise<{ rate: number; cpu: number }> {
  const child = spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ENTRY, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        const match = /READY (\d+)/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code})`)));
    });
    const cpuMicros = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${port}/__bench/cpu`)).json()) as { cpuMicros: number }).cpuMicros;
    const posters = await Promise.all(Array.from({ length: concurrency }, () => HttpPoster.connect(port)));
    const loop = async (until: number, count: () => void): Promise<void> => {
      await Promise.all(
        posters.map(async (poster) => {
          while (Date.now() < until) {
            await poster.post('/event', BODY);
            count();
          }
        }),
      );
    };
    await loop(Date.now() + WARMUP_MS, () => {});
    const before = await cpuMicros();
    let requests = 0;
    await loop(Date.now() + WINDOW_MS, () => (requests += 1));
    const cpu = (await cpuMicros()) - before;
    for (const poster of posters) poster.close();
    return { rate: (requests * 1000) / WINDOW_MS, cpu: cpu / requests };
  } finally {
    child.kill();
  }
}

for (const concurrency of [1, 8]) {
  const figures: Record<Kind, { rate: number[]; cpu: number[] }> = { node: { rate: [], cpu: [] }, hono: { rate: [], cpu: [] } };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: Kind[] = round % 2 === 0 ? ['node', 'hono'] : ['hono', 'node'];
    const result = {} as Record<Kind, { rate: number; cpu: number }>;
    for (const kind of order) result[kind] = await measure(kind, concurrency);
    for (const kind of order) {
      figures[kind].rate.push(result[kind].rate);
      figures[kind].cpu.push(result[kind].cpu);
    }
    ratios.push(result.hono.rate / result.node.rate);
  }
  const line = (kind: Kind): string => `${median(figures[kind].rate).toFixed(0)}/s, ${median(figures[kind].cpu).toFixed(1)} µs CPU per request`;
  console.log(`concurrency ${concurrency}: node:http ${line('node')}; Hono ${line('hono')}; rate Hono / node:http ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
}
process.exit(0);
