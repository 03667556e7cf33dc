/**
 * Real Nasc as a bench server child process: `node dist/bench/nasc-bench-server.js`. `createNasc` with the
 * handler every section drives, `Toggle` (a `toggle` event flips one boolean prop: the Map flip of the bare
 * baseline), and one per app-like workload of `bench/workloads.ts` (`--only=workloads`), mounted at
 * `/nasc` and served by `@hono/node-server`, WebSocket upgrades, event POSTs and SSE streams taken by
 * `nasc.attach(server)` (or by the Hono routes: all with `NASC_BENCH_WS=route`, event POSTs only with
 * `NASC_BENCH_EVENTS=route`, SSE streams only with `NASC_BENCH_STREAMS=route`).
 * Also the click page (`/`, loading `/nasc/nasc.js`), `GET /__bench/memory` and `GET /__bench/cpu`. Prints
 * `READY <port>` once listening on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, defineHandler } from '../server/index.js';
import { benchPage, ISOLATION_HEADERS, pageInstance } from './bench-page.js';
import { cpuReport, memoryReport, stopWithParent } from './memory-report.js';
import { workloadHandlers } from './workload-handlers.js';

/** The benchmark's one type: a boolean that `toggle` flips. */
export interface ToggleState {
  on: boolean;
}

/** The handler every benchmark drives. */
export const Toggle = defineHandler<ToggleState>({
  mount: () => ({ on: false }),
  toggle: (_payload, state) => ({ on: !state.on }),
});

/**
 * Limits far above what a browser tab may do (50 events/s per client by default): one bench client sends
 * thousands per second, and fan-out opens a thousand streams. The limiter and sessions still run on every
 * request, so their cost is measured. A fresh secret per run keeps the server from writing `.nasc-secret`.
 * Metrics are on, as an operator runs it (`NASC_BENCH_METRICS=0` turns them off, to compare); logs stay at
 * the default level, `warn`, so events write no line.
 */
const nasc = createNasc({
  handlers: { Toggle, ...workloadHandlers() },
  sessions: { secret: randomBytes(32).toString('base64url') },
  metrics: process.env.NASC_BENCH_METRICS !== '0',
  limits: { eventsPerSecond: 1e9, eventBurst: 1e9, streamsPerSession: 1e6, mountsPerSession: 1e6 },
});
const app = new Hono();
app.route('/nasc', nasc.app);
app.get('/', (c) => {
  c.header('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) c.header(name, value);
  return c.html(benchPage('nasc', pageInstance(new URL(c.req.url).search)));
});
app.get('/__bench/memory', (c) => c.json(memoryReport(nasc.engine.connectionCount)));
app.get('/__bench/cpu', (c) => c.json(cpuReport()));

// WebSockets, event POSTs and SSE streams as the docs recommend (`nasc.attach`), or through the Hono routes
// with `NASC_BENCH_WS=route` (all), `NASC_BENCH_EVENTS=route` (event POSTs) or `NASC_BENCH_STREAMS=route`.
const viaHonoRoute = process.env.NASC_BENCH_WS === 'route';
const eventsViaHonoRoute = process.env.NASC_BENCH_EVENTS === 'route';
const streamsViaHonoRoute = process.env.NASC_BENCH_STREAMS === 'route';
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...(viaHonoRoute ? { websocket: nasc.websocket } : {}) }, (info: AddressInfo) => {
  console.log(`READY ${info.port}`);
}) as Server;
if (!viaHonoRoute) nasc.attach(server, { ...(eventsViaHonoRoute ? { eventPath: false } : {}), ...(streamsViaHonoRoute ? { streamPath: false } : {}) } as const);
stopWithParent(() => {
  void nasc.close();
  server.closeAllConnections();
});
