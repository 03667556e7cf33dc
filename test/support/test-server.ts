import type { Server } from 'node:http';
import { Hono } from 'hono';
import { createNasc, type AttachOptions, type Nasc, type NascOptions } from '../../server/index.js';
import { closeServer, listenOnLoopback } from '../../testing/listen.js';
import { createMemoryLogger } from './memory-logger.js';
import { rememberSessionCookie } from './session-cookies.js';

/** Test servers get limits high enough for load tests; the limits suite sets its own. */
const GENEROUS_LIMITS = {
  eventsPerSecond: 1e6,
  eventBurst: 1e6,
  streamsPerSession: 1e5,
  mountsPerSession: 1e6,
  creationsPerSecond: 1e6,
  creationBurst: 1e6,
  serverCreationsPerSecond: 1e6,
  serverCreationBurst: 1e6,
};
const TEST_SECRET = 'nasc-test-secret-0123456789abcdefghijklmnop';

/** A real Nasc server listening on loopback, and how to reach and stop it. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`; Nasc is mounted under `/nasc`. */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsBaseUrl: string;
  readonly nasc: Nasc;
  readonly server: Server;
  readonly port: number;
  /** Undoes the `nasc.attach` made at start (a no-op when the server was not attached). */
  readonly detach: () => void;
  /** Registers a cleanup (e.g. closing a client) to run, newest first, before the server closes. */
  defer(cleanup: () => unknown): void;
  /** Runs the cleanups, closes Nasc and the HTTP server, and cuts any connection still open. Idempotent. */
  close(): Promise<void>;
}

/** How the WebSocket endpoint is wired: the Hono route (the default here), `nasc.attach`, or both. */
export interface TestServerWiring {
  /** Attach to the HTTP server (with these options); off by default. */
  attach?: AttachOptions | false;
  /** Hand `nasc.websocket` to `serve` (the Hono route); default true unless attaching. */
  honoWebsocket?: boolean;
}

/**
 * Starts `createNasc(options)` behind `@hono/node-server` on 127.0.0.1 and a free port (port 0), with the
 * WebSocket server wired in as an application would (the Hono route, or `nasc.attach` with `wiring.attach`).
 * Logs at `warn` and above go to memory unless `options.logger` is given (a test that reads lines passes its own).
 *
 * @example
 * const server = await startTestServer({ handlers, schemas });
 * t.after(() => server.close());
 */
export async function startTestServer(options: NascOptions, wiring: TestServerWiring = {}): Promise<TestServer> {
  const nasc = createNasc({
    logger: createMemoryLogger('warn'),
    sessions: { secret: TEST_SECRET },
    ...options,
    limits: { ...GENEROUS_LIMITS, ...options.limits },
  });
  const app = new Hono().route('/nasc', nasc.app);
  const { server, port, detach } = await listenOnLoopback(app.fetch, nasc, {
    attach: wiring.attach ?? false,
    ...(wiring.honoWebsocket === undefined ? {} : { honoWebsocket: wiring.honoWebsocket }),
  });
  const opening = await fetch(`http://127.0.0.1:${port}/nasc/events?clientId=session-bootstrap`);
  const setCookie = opening.headers.get('Set-Cookie');
  await opening.body?.cancel();
  if (setCookie) rememberSessionCookie(`http://127.0.0.1:${port}`, setCookie);
  const cleanups: (() => unknown)[] = [];
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsBaseUrl: `ws://127.0.0.1:${port}`,
    nasc,
    server,
    port,
    detach,
    defer(cleanup) {
      cleanups.push(cleanup);
    },
    close() {
      closing ??= (async () => {
        for (const cleanup of cleanups.reverse()) {
          try {
            await cleanup();
          } catch {
            // A client that already failed must not keep the server (and node --test) alive.
          }
        }
        await closeServer(nasc, server);
      })();
      return closing;
    },
  };
}
