/**
 * A Nasc server for the fault-injection test, run as a child process so the test can kill and restart it:
 * `node fault-server.js` with PORT, NASC_DB (SQLite file; memory when unset) and FAULTS (JSON FaultRates).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import * as nascServer from '../../server/index.js';
import { FaultyBroker, type FaultRates } from './faulty-broker.js';
import { TallyHandler } from './tally-handler.js';

const rates: FaultRates = { duplicate: 0, delay: 0, maxDelayMs: 0, ...(JSON.parse(process.env.FAULTS ?? '{}') as Partial<FaultRates>) };
const broker = new FaultyBroker(rates);
const store = await openStore(process.env.NASC_DB);
const nasc = nascServer.createNasc({
  handlers: { Tally: TallyHandler },
  store,
  broker,
  keepAliveMs: 5_000,
  sessions: { secret: 'nasc-fault-injection-secret-0123456789ab' },
});

const app = new Hono();
app.route('/nasc', nasc.app);
app.post('/control/drop', (c) => {
  nasc.engine.disconnectAll('fault injection: dropped');
  return c.json({ ok: true });
});
app.get('/control/state', async (c) => {
  const record = await store.load(c.req.query('type') ?? '', c.req.query('instance') ?? '');
  return c.json({ record: record ?? null, faults: broker.counts });
});
app.get('/', (c) => c.html('<!doctype html><title>fault injection</title><script type="module" src="/nasc/nasc.dev.js"></script>'));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0), websocket: nasc.websocket }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void nasc.close().then(() => process.exit(0));
});

async function openStore(path: string | undefined): Promise<nascServer.Store> {
  if (!path) return new nascServer.MemoryStore();
  const { SqliteStore } = nascServer as unknown as { SqliteStore: new (options: { path: string }) => nascServer.Store };
  return new SqliteStore({ path });
}
