/**
 * A Nasc server with default settings (memory store, default limits), run as a child process so a test can
 * flood it under a small heap (`node --max-old-space-size=…`) and see whether it stays up. Prints
 * `listening <port>`; `GET /control/heap` collects garbage (with `--expose-gc`) and answers
 * `process.memoryUsage()`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, defineHandler } from '../../../server/index.js';

/** What a new document holds: about half a kilobyte, as a small form or list would. */
const BLANK_BODY = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(9);

const Doc = defineHandler<{ title: string; body: string; items: string[]; count: number }>({
  mount: ({ instance }) => ({ title: `document ${instance}`, body: BLANK_BODY, items: [], count: 0 }),
  increment: (_payload, state) => ({ ...state, count: state.count + 1 }),
  same: (_payload, state) => state,
});

const nasc = createNasc({ handlers: { Doc }, sessions: { secret: 'nasc-flood-secret-0123456789abcdefghijkl' } });
const app = new Hono().route('/nasc', nasc.app);
app.get('/control/heap', (c) => {
  (globalThis as { gc?: () => void }).gc?.();
  return c.json(process.memoryUsage());
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`listening ${info.port}\n`));
nasc.attach(server);
process.on('SIGTERM', () => {
  server.close();
  void nasc.close().then(() => process.exit(0));
});
