import { upgradeWebSocket } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import type { Handler } from 'hono';
import type { NascEngine } from '../engine/engine.js';
import { refusal } from '../endpoints/refusal.js';
import { listenToSocket, SocketSession, type FrameSource, type SocketSessionOptions } from '../endpoints/socket-session.js';
import type { StreamEndpoint } from '../endpoints/stream-endpoint.js';
import type { WebSocketPeer } from '../channels/ws-channel.js';
import { writeRefusal } from './answer.js';
import { honoRequestParts, nodeEnv } from './hono-request.js';

/** Options of the WebSocket route. */
export interface WsRouteOptions extends SocketSessionOptions {
  trustProxy: boolean;
  /**
   * True for an upgrade that `attach` takes on the same HTTP server: this route then leaves it alone, so an
   * app that wires both does not upgrade one socket twice.
   */
  claimedElsewhere?: (request: IncomingMessage) => boolean;
}

/**
 * `GET /ws?clientId=…`: one socket carrying events in and patch arrays out, admitted by the
 * {@link StreamEndpoint}, then one {@link SocketSession}. This route only adds what is about the wiring: an
 * upgrade `attach` takes is left to it, and an upgrade that reached it as a plain request (the HTTP server
 * takes no upgrades) is answered 501.
 */
export function wsRoute(engine: NascEngine, streams: StreamEndpoint, options: WsRouteOptions): Handler {
  let warnedNotWired = false;
  let warnedWiredTwice = false;
  return async function nascWebSocket(c, next) {
    const env = nodeEnv(c);
    const incoming = env?.incoming as IncomingMessage | undefined;
    if (incoming && options.claimedElsewhere?.(incoming)) {
      // Nobody reads this answer: with two upgrade listeners, `@hono/node-server` leaves the socket to the other.
      if (!warnedWiredTwice) {
        warnedWiredTwice = true;
        engine.logger.warn('WebSockets are wired twice (nasc.attach and serve({ websocket })): attach takes every upgrade, so app middleware cannot refuse one. Keep one of the two.');
      }
      return c.body(null, 204);
    }
    const upgrade = c.req.header('Upgrade')?.toLowerCase() === 'websocket';
    if (incoming && env?.outgoing !== undefined && upgrade) {
      // An upgrade that came in as a plain request (with a response to write): nothing on the HTTP server takes
      // upgrades. Pages fall back to SSE; the developer should hear why, once.
      if (!warnedNotWired) {
        warnedNotWired = true;
        engine.logger.warn('a WebSocket upgrade reached Nasc as a plain request: the HTTP server takes no upgrades. Call nasc.attach(server), or pass websocket: nasc.websocket to serve().');
      }
      c.header('Connection', 'close');
      return writeRefusal(c, refusal(501, 'websocket_not_wired', 'This server does not take WebSocket upgrades; use SSE.'));
    }
    const admission = streams.admit({ ...honoRequestParts(c, options.trustProxy), clientId: c.req.query('clientId') }, { upgrade });
    if (admission.setCookie !== undefined) c.header('Set-Cookie', admission.setCookie, { append: true });
    if (!admission.ok) return writeRefusal(c, admission.refusal);
    const caller = admission.caller;
    // The upgrade's TCP socket is the one `ws` takes over.
    const transport = incoming?.socket;
    const upgraded = upgradeWebSocket(() => ({
      // Its frames and close are heard on the `ws` socket itself (no `onMessage`, so Hono wraps none of them).
      onOpen(_event, ws) {
        const socket = ws.raw as unknown as WebSocketPeer & FrameSource;
        listenToSocket(socket, new SocketSession(engine, caller, socket, transport, options));
      },
    }));
    const response = await upgraded(c, next);
    // The upgrade answers with its own Response: a new session's cookie must ride on the 101 too.
    if (response instanceof Response && admission.setCookie !== undefined) response.headers.append('Set-Cookie', admission.setCookie);
    return response;
  };
}
