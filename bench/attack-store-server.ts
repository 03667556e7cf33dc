/**
 * The server `bench/attack-store.ts` attacks, run as a child process: `createNasc` with default settings
 * and a small document type, from the build named by NASC_SERVER_MODULE (its `dist/server/index.js`), so
 * one script measures an older build and this one alike. STORE=sqlite keeps instances in SQLite at
 * NASC_DB. Prints `listening <port>`; `GET /control/heap` collects garbage (with `--expose-gc`) and answers
 * `process.memoryUsage()`; `GET /control/state?instance=` answers the document's state.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type * as NascServer from '../server/index.js';

const server = (await import(process.env.NASC_SERVER_MODULE ?? '../server/index.js')) as typeof NascServer;

/** What a new document holds: about half a kilobyte, as a small form or list would. */
const BLANK_BODY = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(9);

const Doc = server.defineHandler<{ title: string; body: string; count: number }>({
  mount: ({ instance }) => ({ title: `document ${instance}`, body: BLANK_BODY, count: 0 }),
  set: (payload, state) => ({ ...state, title: String(payload.title) }),
  same: (_payload, state) => state,
});

const store = process.env.STORE === 'sqlite' ? new server.SqliteStore({ path: process.env.NASC_DB ?? ':memory:' }) : undefined;
const nasc = server.createNasc({ handlers: { Doc }, ...(store ? { store } : {}), sessions: { secret: 'nasc-attack-secret-0123456789abcdefghij' } });
const app = new Hono().route('/nasc', nasc.app);
app.get('/control/heap', (c) => {
  (globalThis as { gc?: () => void }).gc?.();
  return c.json(process.memoryUsage());
});
app.get('/control/state', async (c) => c.json({ record: (await nasc.engine.store.load('Doc', c.req.query('instance') ?? '')) ?? null }));
const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`listening ${info.port}\n`));
nasc.attach(listening);
process.on('SIGTERM', () => {
  listening.close();
  void nasc.close().then(() => process.exit(0));
});
