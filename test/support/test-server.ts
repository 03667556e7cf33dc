import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, type Nasc, type NascOptions } from '../../server/index.js';
import { createMemoryLogger } from './memory-logger.js';

/** A real Nasc server listening on loopback, and how to reach and stop it. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`; Nasc is mounted under `/nasc`. */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsBaseUrl: string;
  readonly nasc: Nasc;
  /** Registers a cleanup (e.g. closing a client) to run, newest first, before the server closes. */
  defer(cleanup: () => unknown): void;
  /** Runs the cleanups, closes Nasc and the HTTP server, and cuts any connection still open. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `createNasc(options)` behind `@hono/node-server` on 127.0.0.1 and a free port (port 0), with the
 * WebSocket server wired in as an application would. Logs go to memory unless `options.logger` is given.
 *
 * @example
 * const server = await startTestServer({ handlers, schemas });
 * t.after(() => server.close());
 */
export async function startTestServer(options: NascOptions): Promise<TestServer> {
  const nasc = createNasc({ logger: createMemoryLogger(), ...options });
  const app = new Hono().route('/nasc', nasc.app);
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, websocket: nasc.websocket }, (info: AddressInfo) =>
      resolve({ server: listening as Server, port: info.port }),
    );
    listening.once('error', reject);
  });
  const cleanups: (() => unknown)[] = [];
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsBaseUrl: `ws://127.0.0.1:${port}`,
    nasc,
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
        // SSE responses and idle keep-alive sockets would otherwise hold server.close() open.
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
