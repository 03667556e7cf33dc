import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { MemoryStore, redisBackend, SqliteStore } from 'nasc/server';
import { createDemoApp } from './create-demo-app.js';
import { readDemoConfig } from './demo-config.js';

// `npm start`: the demo on http://localhost:3000/ (PORT, HOST, NASC_DB, NASC_MEMORY=1 or --memory, REDIS_URL,
// REDIS_PREFIX, TRUST_PROXY=1, ALLOWED_ORIGINS).
const config = readDemoConfig(process.argv.slice(2), process.env);
// With REDIS_URL, any number of processes (sharing NASC_SECRET) can serve the demo behind one load balancer.
const redis = config.redisUrl ? redisBackend({ url: config.redisUrl, ...(config.redisPrefix ? { prefix: config.redisPrefix } : {}) }) : undefined;
const store = redis ? redis.store : config.memory ? new MemoryStore() : openSqlite(config.dbPath);
// Behind a proxy that ends TLS, the page's origin is not what Node sees: TRUST_PROXY or ALLOWED_ORIGINS says what
// it is. The session secret is NASC_SECRET, else the one kept in .nasc-secret at the repository root.
const shared = { trustProxy: config.trustProxy, allowedOrigins: config.allowedOrigins, secretFile: config.secretFile };
const demo = createDemoApp(redis ? { store, broker: redis.broker, watchPresence: false, ...shared } : { store, ...shared });
// Where Redis is, without a password that the URL may hold.
const redisHost = config.redisUrl && URL.canParse(config.redisUrl) ? new URL(config.redisUrl).host : 'REDIS_URL';
if (redis) await redis.ready(30_000).catch(() => console.error(`Redis at ${redisHost} is not answering yet; events answer 503 until it does.`));

const server = serve({ fetch: demo.app.fetch, port: config.port, hostname: config.host }, (info) => {
  const host = config.host === '127.0.0.1' || config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const where = redis ? `in Redis at ${redisHost}` : config.memory ? 'in memory (lost on restart)' : `in ${config.dbPath}`;
  console.log(`Nasc demo on http://${host}:${info.port}/  (state ${where}; Ctrl+C stops)`);
}) as Server;
// WebSocket upgrades on /nasc/ws go straight to Nasc and `ws` (the demo's own middleware has nothing to add to them).
demo.nasc.attach(server);

server.once('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${config.port} is in use: try PORT=3001 npm start` : error);
  process.exit(1);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing streams and the store`);
  // Never hang on the way out: a second signal, or 5 s, ends it regardless.
  setTimeout(() => process.exit(1), 5_000).unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await demo.close();
  // Streams and idle keep-alive sockets would otherwise hold the server open.
  server.closeAllConnections();
  await closed;
  process.exit(0);
}
function openSqlite(path: string): SqliteStore {
  try {
    return new SqliteStore({ path });
  } catch (error) {
    console.error(`Cannot open the database ${path}: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Set NASC_DB to a writable file, or run in memory with NASC_MEMORY=1.');
    process.exit(1);
  }
}

process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
