import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { AttachOptions, Nasc } from '../server/index.js';

/** How the WebSocket endpoint is wired: `nasc.attach` (what an app does), the Hono route, or both. */
export interface ServerWiring {
  /** Attach to the HTTP server, with these options (default: attached, with the defaults). */
  attach?: AttachOptions | boolean;
  /** Hand `nasc.websocket` to `serve` (the Hono route); default only when not attaching. */
  honoWebsocket?: boolean;
}

/** An HTTP server listening on loopback, and how to undo `nasc.attach`. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  readonly detach: () => void;
}

/**
 * Serves `fetch` (a Hono app's) with `@hono/node-server` on 127.0.0.1 and a port the system picks (so tests
 * never collide), with Nasc's WebSocket and streams wired as the app would wire them.
 */
export async function listenOnLoopback(fetch: (request: Request) => Response | Promise<Response>, nasc: Nasc, wiring: ServerWiring = {}): Promise<Listening> {
  const attach = wiring.attach ?? true;
  const honoWebsocket = wiring.honoWebsocket ?? attach === false;
  const options = { fetch, hostname: '127.0.0.1', port: 0, ...(honoWebsocket ? { websocket: nasc.websocket } : {}) };
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const listening = serve(options, (info: AddressInfo) => resolve({ server: listening as Server, port: info.port }));
    listening.once('error', reject);
  });
  const detach = attach === false ? () => undefined : nasc.attach(server, attach === true ? {} : attach);
  return { server, port, detach };
}

/** Closes Nasc, then the HTTP server, cutting what is still open (SSE responses, idle keep-alive sockets). */
export async function closeServer(nasc: Nasc, server: Server): Promise<void> {
  await nasc.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
