/**
 * One Nasc process of a scaled-out app, run as a child process so tests can start several and kill one:
 * `node scale-server.js` with REDIS_URL, NASC_PREFIX (the test run's key prefix), NASC_SECRET (shared by
 * every process) and PORT (0 = any); NASC_UNCHANGED_TTL_MS gives unchanged Counters that idle lifetime.
 * Prints `listening <port>` once Redis answers and the port is open.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, redisBackend } from '../../../server/index.js';
import { CounterHandler, TallyHandler } from './scale-handlers.js';

const backend = redisBackend({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.NASC_PREFIX ?? 'nasc-scale:',
  // Short enough that an outage test sees its 503 quickly.
  commandTimeoutMs: 3_000,
});
const nasc = createNasc({
  handlers: { Counter: CounterHandler, Tally: TallyHandler },
  store: backend.store,
  broker: backend.broker,
  keepAliveMs: 5_000,
  // Scraped by the outage test: a lost Redis must show in the numbers.
  metrics: true,
  // Load tests send far more than a person would.
  limits: {
    eventsPerSecond: 1e6,
    eventBurst: 1e6,
    streamsPerSession: 1e5,
    mountsPerSession: 1e6,
    creationsPerSecond: 1e6,
    creationBurst: 1e6,
    serverCreationsPerSecond: 1e6,
    serverCreationBurst: 1e6,
  },
  ...(process.env.NASC_UNCHANGED_TTL_MS ? { instances: { Counter: { unchangedTtlMs: Number(process.env.NASC_UNCHANGED_TTL_MS) } } } : {}),
});
await backend.ready(20_000);

const app = new Hono();
app.route('/nasc', nasc.app);
app.get('/control/state', async (c) => {
  const record = await backend.store.load(c.req.query('type') ?? '', c.req.query('instance') ?? '');
  return c.json({ record: record ?? null });
});
app.post('/control/delete', async (c) => c.json({ deleted: await nasc.deleteInstance(c.req.query('type') ?? '', c.req.query('instance') ?? '') }));
app.get('/control/streams', (c) => c.json({ streams: nasc.engine.connectionCount, pid: process.pid }));
app.get('/', (c) => c.html('<!doctype html><title>scale</title><script type="module" src="/nasc/nasc.dev.js"></script>'));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0), websocket: nasc.websocket }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(1), 3_000).unref();
  server.close();
  void nasc.close().then(() => process.exit(0));
});
