import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { createNasc, type Broker, type Logger, type Nasc, type Store } from '../server/index.js';
import { createPresenceHandler } from './handlers/presence.js';
import { SharedNote } from './handlers/shared-note.js';
import { TodoList } from './handlers/todo-list.js';
import { User } from './handlers/user.js';
import { watchPresence } from './presence-watcher.js';
import { authorizeDemo, resolveDemoInstance } from './profile-access.js';
import { schemas } from './schemas.js';
import { securityHeaders } from './security-headers.js';

/** What the demo app is built from; every option has a default. */
export interface DemoAppOptions {
  /** Where instances live (default: in memory). `main.ts` passes a SqliteStore. */
  store?: Store;
  /** How patches reach other processes (default: in-process). `main.ts` passes Redis's when REDIS_URL is set. */
  broker?: Broker;
  logger?: Logger;
  /** The static files (default: `demo/public` in the source tree; the compiled code runs from dist/demo). */
  publicDir?: string;
  /** How often the presence count is compared with the open streams, in ms (default 500). */
  presenceIntervalMs?: number;
  /**
   * Keep the presence count in step with this process's streams (default true). Off when several processes
   * serve the demo: each counts only its own streams, and they would keep overwriting each other's count.
   */
  watchPresence?: boolean;
  /** Behind a proxy that ends TLS: take the page's origin from its `X-Forwarded-*` headers (default false). */
  trustProxy?: boolean;
  /** Page origins accepted besides the server's own, e.g. the public `https://` one behind a proxy. */
  allowedOrigins?: readonly string[];
}

/** The demo: the Hono app to serve, the Nasc server inside it, and how to stop both. */
export interface DemoApp {
  readonly app: Hono;
  readonly nasc: Nasc;
  /** Stops the presence watcher, closes every stream and the store. */
  close(): Promise<void>;
}

/** `demo/public`, seen from `dist/demo/create-demo-app.js` (or from `demo/` when run from source). */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(
  new URL(import.meta.url.includes('/dist/demo/') ? '../../demo/public/' : './public/', import.meta.url),
);

/**
 * Builds the demo: Nasc under `/nasc` (events, streams, schemas, the browser bundle) and the page, its
 * script, styles and icon from `publicDir`, all with a strict Content-Security-Policy.
 *
 * @example
 * const demo = createDemoApp({ store: new SqliteStore({ path: 'nasc-demo.db' }) });
 * demo.nasc.attach(serve({ fetch: demo.app.fetch, port: 3000 }));
 */
export function createDemoApp(options: DemoAppOptions = {}): DemoApp {
  // The handler counts the engine's streams: it is only called once `nasc` exists.
  const Presence = createPresenceHandler(() => nasc.engine.connectionCount);
  const nasc: Nasc = createNasc({
    handlers: { User, TodoList, SharedNote, Presence },
    schemas,
    resolveInstance: resolveDemoInstance,
    authorize: authorizeDemo,
    // Prometheus metrics at /nasc/metrics (see docs/deployment.md for a scrape config).
    metrics: true,
    ...(options.store ? { store: options.store } : {}),
    ...(options.broker ? { broker: options.broker } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.trustProxy ? { trustProxy: true } : {}),
    ...(options.allowedOrigins?.length ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  const stopPresence = options.watchPresence === false ? () => undefined : watchPresence(nasc, { intervalMs: options.presenceIntervalMs ?? 500 });

  const app = new Hono();
  app.use('*', securityHeaders());
  app.route('/nasc', nasc.app);
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));
  app.use(
    '/*',
    serveStatic({
      root: options.publicDir ?? DEFAULT_PUBLIC_DIR,
      // Revalidate every time: edit a file in demo/public, reload, see it.
      onFound: (_path, c) => {
        c.header('Cache-Control', 'no-cache');
      },
    }),
  );
  app.notFound((c) => c.text('Not found. The demo is at /.', 404));

  return {
    app,
    nasc,
    async close() {
      stopPresence();
      await nasc.close();
    },
  };
}
