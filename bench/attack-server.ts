/**
 * The server `bench/attacks.ts` attacks, in a process of its own: a small app (`Doc` with `increment`) on
 * `nasc.attach`, default limits, sizes and keepalive; `RAISED_RATE=1` raises the event rate (so that setting
 * up hundreds of mounts is quick). `NASC_MODULE` names the server module to load (another checkout's
 * `dist/server/index.js`, to measure before and after side by side). Prints `READY <port>`; `GET
 * /control/memory` answers with its RSS and heap (`?gc=1`: after a full GC).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { pathToFileURL } from 'node:url';

type ServerModule = typeof import('../server/index.js');
const modulePath = process.env.NASC_MODULE;
const { createNasc, createConsoleLogger, LogLevel }: ServerModule = await import(modulePath ? pathToFileURL(modulePath).href : '../server/index.js');

const Doc = { mount: () => ({ count: 0 }), increment: (_payload: unknown, state: { count: number }) => ({ count: state.count + 1 }) };
const nasc = createNasc({
  handlers: { Doc },
  sessions: { secret: 'nasc-attack-bench-secret-0123456789abcdef' },
  logger: createConsoleLogger(LogLevel.Error),
  ...(process.env.RAISED_RATE === '1' ? { limits: { eventsPerSecond: 1e5, eventBurst: 1e5 } } : {}),
});
const app = new Hono().route('/nasc', nasc.app).get('/control/memory', (c) => {
  if (c.req.query('gc') === '1') (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return c.json({ rss, heapUsed });
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`READY ${info.port}\n`));
nasc.attach(server);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
