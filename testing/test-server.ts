import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { createNasc, type Nasc, type NascOptions } from '../server/index.js';
import type { TransportName } from './client-link.js';
import { closeServer, listenOnLoopback, type ServerWiring } from './listen.js';
import { createMemoryLogger, type LogEntry } from './memory-logger.js';
import { TestClient } from './test-client.js';

/** An app built elsewhere (its Hono app, with `nasc.app` mounted at `path`), to test as it is served. */
export interface ServedApp {
  app: { fetch: (request: Request) => Response | Promise<Response> };
  nasc: Nasc;
  /** Where `nasc.app` is mounted in `app` (default `/nasc`). */
  path?: string;
}

/** How a client joins: a new browser (the default), or another tab of an existing client's browser. */
export interface ConnectOptions {
  /** Share this client's session, as a second tab of the same browser does (same cookie, its own client id). */
  sameSessionAs?: TestClient;
  /** The tab's client id (default: a random one). */
  clientId?: string;
}

/** A real Nasc server on loopback, and the clients that talk to it. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Where the Nasc routes are: `http://127.0.0.1:<port>/nasc`. */
  readonly base: string;
  readonly nasc: Nasc;
  readonly server: Server;
  /** What the server logged, when the kit made its logger (options without `logger`). */
  readonly logs: readonly LogEntry[];
  /** Opens a client over `transport`: a new browser (session), or another tab with `sameSessionAs`. */
  connect(transport: TransportName, options?: ConnectOptions): Promise<TestClient>;
  /** Drops every stream on the server side, as a deploy does: clients then `reconnect()`. */
  dropConnections(): void;
  /** Closes every client, Nasc and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

function isServedApp(app: NascOptions | ServedApp): app is ServedApp {
  return 'nasc' in app && 'app' in app;
}

/**
 * Serves an app's handlers through a real Nasc server on 127.0.0.1 and a free port, wired as an app wires it
 * (`nasc.attach`), for tests that drive them as pages would, over either transport. Given `createNasc`
 * options, it makes the server itself, with a fresh session secret (no `.nasc-secret` file is written) and a
 * logger that keeps its lines in `logs`; given `{ app, nasc }`, it serves that app as it is.
 *
 * @example
 * const server = await startTestServer({ handlers: { Counter } });
 * const alice = await server.connect('ws');
 * const counter = await alice.mount('Counter', 'main');
 * await counter.expectApplied('add', { by: 2 });
 * await server.close();
 */
export async function startTestServer(app: NascOptions | ServedApp, wiring: ServerWiring = {}): Promise<TestServer> {
  const logger = createMemoryLogger();
  let nasc: Nasc;
  let fetch: ServedApp['app']['fetch'];
  let path: string;
  if (isServedApp(app)) {
    ({ nasc } = app);
    fetch = app.app.fetch;
    path = app.path ?? '/nasc';
  } else {
    nasc = createNasc({ logger, sessions: { secret: randomBytes(32).toString('base64url') }, ...app });
    fetch = new Hono().route('/nasc', nasc.app).fetch;
    path = '/nasc';
  }
  const defaultAttach = path === '/nasc' ? true : { path: `${path}/ws` };
  const { server, port } = await listenOnLoopback(fetch, nasc, { attach: defaultAttach, ...wiring });
  const url = `http://127.0.0.1:${port}`;
  const endpoints = { base: `${url}${path}` };
  const clients = new Set<TestClient>();
  let closing: Promise<void> | undefined;
  return {
    url,
    base: endpoints.base,
    nasc,
    server,
    logs: logger.entries,
    async connect(transport, options = {}) {
      const cookie = options.sameSessionAs?.cookie;
      const client = await TestClient.open(transport, endpoints, { ...(options.clientId ? { clientId: options.clientId } : {}), ...(cookie ? { cookie } : {}) });
      clients.add(client);
      return client;
    },
    dropConnections() {
      nasc.engine.disconnectAll('the test dropped every stream');
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...clients].map((client) => client.close().catch(() => undefined)));
        await closeServer(nasc, server);
      })();
      return closing;
    },
  };
}
