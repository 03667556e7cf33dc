import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createMemoryLogger } from '../../support/memory-logger.js';
import { TallyHandler, type Tally } from '../../reliability/tally-handler.js';
import { createNasc, type Nasc } from '../../../server/index.js';

/** The instance every tab of the page shows. */
export const TALLY = { type: 'Tally', instance: 'shared-tabs' } as const;

/** A page that shows one `Tally` (each event appends its number to its sender's list), served with Nasc. */
export interface TallyPageServer {
  /** `http://127.0.0.1:<port>/`: the page. */
  readonly url: string;
  readonly nasc: Nasc;
  /** The tally as the server holds it. */
  tally(): Promise<Tally>;
  close(): Promise<void>;
}

/**
 * Starts it in this process on a free port, HTTP/1.1, streams and event POSTs taken by `nasc.attach` as in
 * production. The limits are raised: tabs here send bursts, and what is tested is a handover, not a limit.
 */
export async function startTallyPageServer(): Promise<TallyPageServer> {
  const nasc = createNasc({
    handlers: { Tally: TallyHandler },
    logger: createMemoryLogger(),
    sessions: { secret: 'nasc-shared-tabs-secret-0123456789abcdef' },
    limits: { eventsPerSecond: 10_000, eventBurst: 10_000, creationBurst: 1_000 },
    // What the server did (mounts, unmounts, streams), read in-process by the tests.
    metrics: true,
  });
  const page = `<!doctype html><meta charset="utf-8"><title>tally</title>
<script type="module" src="/nasc/nasc.js"></script>
<na-scope type="${TALLY.type}" instance="${TALLY.instance}"></na-scope>`;
  const app = new Hono().route('/nasc', nasc.app).get('/', (c) => c.html(page));
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(listening as Server));
    listening.once('error', reject);
  });
  nasc.attach(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    nasc,
    async tally() {
      return ((await nasc.engine.store.load(TALLY.type, TALLY.instance))?.state ?? {}) as Tally;
    },
    async close() {
      await nasc.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
