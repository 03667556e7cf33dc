/**
 * A Nasc server in a process of its own, for attacks whose cost must be measured apart from the attacker's
 * (memory, stalls): `node hostile-server.js` with `WIRING=attach|route`. Default limits and sizes, as an app
 * gets them. Prints `listening <port>`, and answers `GET /control/memory` with its own RSS and heap.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, defineHandler, LogLevel, createConsoleLogger } from '../../../server/index.js';

const Doc = defineHandler({ mount: () => ({ count: 0 }), increment: (_payload, state: { count: number }) => ({ count: state.count + 1 }) });
const attach = process.env.WIRING !== 'route';
const nasc = createNasc({
  handlers: { Doc },
  sessions: { secret: 'nasc-hostile-test-secret-0123456789abcdef' },
  logger: createConsoleLogger(LogLevel.Error),
});
const app = new Hono()
  .route('/nasc', nasc.app)
  .get('/control/memory', (c) => {
    const { rss, heapUsed } = process.memoryUsage();
    return c.json({ rss, heapUsed, streams: nasc.engine.connectionCount });
  })
  .post('/control/gc', (c) => {
    (globalThis as { gc?: () => void }).gc?.();
    return c.json({ ok: true });
  });
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, ...(attach ? {} : { websocket: nasc.websocket }) }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
if (attach) nasc.attach(server);
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(1), 2_000).unref();
  void nasc.close().then(() => process.exit(0));
});
