/**
 * A test server whose WebSockets are taken by `nasc.attach(server)` instead of the Hono route: the same
 * {@link TestServer} shape as `startTestServer`, so the shared clients (`openAs`, `WsClient`, `handshake`)
 * work against it unchanged.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, type AttachOptions, type NascOptions } from '../../server/index.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { rememberSessionCookie } from '../support/session-cookies.js';
import type { TestServer } from '../support/test-server.js';

const GENEROUS_LIMITS = { eventsPerSecond: 1e6, eventBurst: 1e6, streamsPerSession: 1e5, mountsPerSession: 1e6 };
const TEST_SECRET = 'nasc-test-secret-0123456789abcdefghijklmnop';

/** How the HTTP server is wired besides `attach`. */
export interface AttachedServerOptions {
  /** Where to attach (default: attach's own default, `/nasc/ws`); `false` starts the server unattached. */
  attach?: AttachOptions | false;
  /** Also hand `nasc.websocket` to `serve`, as an app moving to attach might leave it. */
  honoWebsocketToo?: boolean;
}

/** A {@link TestServer} plus the HTTP server itself and how to detach Nasc from it. */
export interface AttachedTestServer extends TestServer {
  readonly server: Server;
  readonly port: number;
  /** Detaches the attach made at start (a no-op when started unattached). */
  readonly detach: () => void;
}

/**
 * Starts `createNasc(options)` behind `@hono/node-server` on 127.0.0.1:0 and attaches it to the HTTP server.
 *
 * @example
 * const server = await startAttachedServer({ handlers, schemas });
 * t.after(() => server.close());
 */
export async function startAttachedServer(options: NascOptions, wiring: AttachedServerOptions = {}): Promise<AttachedTestServer> {
  const nasc = createNasc({
    logger: createMemoryLogger(),
    sessions: { secret: TEST_SECRET },
    ...options,
    limits: { ...GENEROUS_LIMITS, ...options.limits },
  });
  const app = new Hono().route('/nasc', nasc.app);
  const serveOptions = { fetch: app.fetch, hostname: '127.0.0.1', port: 0, ...(wiring.honoWebsocketToo ? { websocket: nasc.websocket } : {}) };
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const listening = serve(serveOptions, (info: AddressInfo) => resolve({ server: listening as Server, port: info.port }));
    listening.once('error', reject);
  });
  const detach = wiring.attach === false ? () => undefined : nasc.attach(server, wiring.attach);
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
        await nasc.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
