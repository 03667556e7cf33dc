import { upgradeWebSocket } from '@hono/node-server';
import type { Handler } from 'hono';
import { isWireId, parseCursor, PatchAction, type ErrorPatch } from '../protocol/index.js';
import type { Connection } from './connection.js';
import { decodeEvent } from './decode-event.js';
import type { NascEngine } from './engine.js';
import { jsonError } from './json-error.js';
import { KeepAliveTicker } from './keep-alive-ticker.js';
import { isBackendUnavailable } from './redis-errors.js';
import { issuedSessionCookie, requestSession } from './session-middleware.js';
import { WsChannel, type WebSocketPeer } from './ws-channel.js';
import type { CorkableSocket } from './write-coalescing.js';

/** Options of the WebSocket endpoint. */
export interface WsRouteOptions {
  maxBodyBytes: number;
  maxBufferedBytes: number;
  /** Ping interval; a socket that misses a pong is cut. */
  keepAliveMs: number;
}

/** How long a client waits before sending again an event the server failed to process (not refused). */
const RETRY_AFTER_FAILURE_MS = 1_000;

function errorFrame(patch: Omit<ErrorPatch, 'action'>): string {
  return JSON.stringify([{ action: PatchAction.Error, ...patch }]);
}

/**
 * `GET /ws?clientId=…[&cursor=…]`: one socket carrying events in and patch arrays out. Every inbound text
 * frame is one event; a bad frame is answered with an `error` patch and the socket stays open.
 */
export function wsRoute(engine: NascEngine, options: WsRouteOptions): Handler {
  const ticker = new KeepAliveTicker(options.keepAliveMs);
  return async function nascWebSocket(c, next) {
    const clientId = c.req.query('clientId');
    if (!isWireId(clientId)) {
      return jsonError(c, 400, 'bad_client_id', 'Query parameter "clientId" must be a non-empty id without control characters.');
    }
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      return jsonError(c, 426, 'upgrade_required', 'This endpoint speaks WebSocket only.');
    }
    const caller = { session: requestSession(c), clientId };
    const refused = engine.admit(caller);
    if (refused) return jsonError(c, refused.status, refused.code, refused.message, undefined, refused.retryAfterMs);
    const cursor = parseCursor(c.req.query('cursor') ?? '') ?? [];
    let connection: Connection | undefined;
    let channel: WsChannel | undefined;
    // The upgrade's TCP socket is the one `ws` takes over.
    const transport = (c.env as { incoming?: { socket?: CorkableSocket } } | undefined)?.incoming?.socket;
    const upgrade = upgradeWebSocket(() => ({
      onOpen(_event, ws) {
        const peer = ws.raw as unknown as WebSocketPeer;
        channel = new WsChannel(peer, { maxBufferedBytes: options.maxBufferedBytes, ticker, transport });
        connection = engine.open(caller, channel, cursor);
      },
      onMessage(message, ws) {
        if (typeof message.data !== 'string') {
          ws.send(errorFrame({ message: 'Send events as JSON text frames, not binary.', code: 'binary_frame' }));
          return;
        }
        const decoded = decodeEvent(message.data, options.maxBodyBytes, false);
        if (!decoded.ok) {
          ws.send(errorFrame({ message: decoded.message, code: decoded.code }));
          return;
        }
        const event = decoded.value;
        engine.handle(caller, event).then(
          (result) => {
            if (result.ok) return;
            const { message: text, code, eventId, retryAfterMs } = result;
            ws.send(
              errorFrame({
                message: text,
                code,
                type: event.type,
                instance: event.instance,
                ...(eventId ? { eventId } : {}),
                ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
              }),
            );
          },
          (error: unknown) => {
            // Nothing was applied for sure (or, if it was, a retry is answered from the remembered outcome): the
            // event's id and a wait tell the client to send it again, as it does after a 5xx over HTTP.
            const retry = { ...(event.eventId ? { eventId: event.eventId } : {}), retryAfterMs: RETRY_AFTER_FAILURE_MS };
            if (isBackendUnavailable(error)) {
              // Closing also makes the client reconnect (with backoff) once the store is back.
              ws.send(errorFrame({ message: 'The server cannot reach its data store: try again shortly.', code: 'backend_unavailable', type: event.type, instance: event.instance, ...retry }));
              ws.close(1013, 'backend unavailable');
              return;
            }
            engine.logger.error('event failed', { clientId, type: event.type, instance: event.instance, error: String(error) });
            ws.send(errorFrame({ message: 'The server could not process the event.', code: 'internal', type: event.type, instance: event.instance, ...retry }));
          },
        );
      },
      onClose() {
        channel?.stop();
        if (connection) engine.close(connection);
      },
    }));
    const response = await upgrade(c, next);
    // The upgrade answers with its own Response: a new session's cookie must ride on the 101 too.
    const cookie = issuedSessionCookie(c);
    if (response instanceof Response && cookie) response.headers.append('Set-Cookie', cookie);
    return response;
  };
}
