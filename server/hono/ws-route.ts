import { upgradeWebSocket } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import type { Handler } from 'hono';
import { isWireId } from '../../protocol/index.js';
import type { NascEngine } from '../engine/engine.js';
import { CommonRefusals, jsonError, refusalResponse } from '../endpoints/refusal.js';
import { issuedSessionCookie, requestSession } from './session-middleware.js';
import type { WebSocketPeer } from '../channels/ws-channel.js';
import { WsSession, type WsSessionOptions } from '../endpoints/socket-session.js';

/** Options of the WebSocket endpoint. */
export interface WsRouteOptions extends WsSessionOptions {
  /**
   * True for an upgrade that `attach` takes on the same HTTP server: this route then leaves it alone, so an
   * app that wires both does not upgrade one socket twice.
   */
  claimedElsewhere?: (request: IncomingMessage) => boolean;
}

/**
 * `GET /ws?clientId=…`: one socket carrying events in and patch arrays out. Every inbound text
 * frame is one event; a bad frame is answered with an `error` patch and the socket stays open.
 */
export function wsRoute(engine: NascEngine, options: WsRouteOptions): Handler {
  let warnedNotWired = false;
  let warnedWiredTwice = false;
  return async function nascWebSocket(c, next) {
    const env = c.env as { incoming?: IncomingMessage; outgoing?: unknown } | undefined;
    const incoming = env?.incoming;
    if (incoming && options.claimedElsewhere?.(incoming)) {
      // Nobody reads this answer: with two upgrade listeners, `@hono/node-server` leaves the socket to the other.
      if (!warnedWiredTwice) {
        warnedWiredTwice = true;
        engine.logger.warn('WebSockets are wired twice (nasc.attach and serve({ websocket })): attach takes every upgrade, so app middleware cannot refuse one. Keep one of the two.');
      }
      return c.body(null, 204);
    }
    if (incoming && env?.outgoing !== undefined && c.req.header('Upgrade')?.toLowerCase() === 'websocket') {
      // An upgrade that came in as a plain request (with a response to write): nothing on the HTTP server takes
      // upgrades. Pages fall back to SSE; the developer should hear why, once.
      if (!warnedNotWired) {
        warnedNotWired = true;
        engine.logger.warn('a WebSocket upgrade reached Nasc as a plain request: the HTTP server takes no upgrades. Call nasc.attach(server), or pass websocket: nasc.websocket to serve().');
      }
      c.header('Connection', 'close');
      return jsonError(c, 501, 'websocket_not_wired', 'This server does not take WebSocket upgrades; use SSE.');
    }
    const clientId = c.req.query('clientId');
    if (!isWireId(clientId)) {
      return refusalResponse(c, CommonRefusals.badClientId);
    }
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      return refusalResponse(c, CommonRefusals.upgradeRequired);
    }
    const caller = { session: requestSession(c), clientId };
    const refused = engine.admit(caller);
    if (refused) return jsonError(c, refused.status, refused.code, refused.message, undefined, refused.retryAfterMs);
    // The upgrade's TCP socket is the one `ws` takes over.
    const transport = incoming?.socket;
    let session: WsSession | undefined;
    const upgrade = upgradeWebSocket(() => ({
      onOpen(_event, ws) {
        session = new WsSession(engine, caller, ws.raw as unknown as WebSocketPeer, transport, options);
      },
      onMessage(message) {
        if (typeof message.data === 'string') session?.receiveText(message.data);
        else session?.refuseBinary();
      },
      onClose() {
        session?.closed();
      },
    }));
    const response = await upgrade(c, next);
    // The upgrade answers with its own Response: a new session's cookie must ride on the 101 too.
    const cookie = issuedSessionCookie(c);
    if (response instanceof Response && cookie) response.headers.append('Set-Cookie', cookie);
    return response;
  };
}
