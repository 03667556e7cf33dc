import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Caller, NascEngine } from '../engine/engine.js';
import { refusal, Refusals, type Refusal } from '../endpoints/refusal.js';
import { listenToSocket, SocketSession, type SocketSessionOptions } from '../endpoints/socket-session.js';
import type { StreamEndpoint } from '../endpoints/stream-endpoint.js';
import { logRequest } from '../util/logger.js';
import { nodeRequestParts, pathnameOf, requestUrl } from './node-request.js';
import { destroySocket, failUpgrade, refuseUpgrade } from './upgrade-refusal.js';

/** What an upgrade taken on the HTTP server needs besides what every WebSocket shares. */
export interface WsUpgradeOptions extends SocketSessionOptions {
  trustProxy: boolean;
}


/** `ws` found the handshake itself malformed (key, version, subprotocols). */
function refuseHandshake(error: Error, socket: Duplex): void {
  // `ws`'s own messages ("Missing or invalid Sec-WebSocket-Key header"): about the request, never internals.
  refuseUpgrade(socket, refusal(400, 'bad_handshake', error.message));
}

function ignore(): void {}

/**
 * Takes a WebSocket upgrade straight from Node's HTTP server, with `ws` and without Hono: admitted by the
 * {@link StreamEndpoint} as the route's are, each refusal a real HTTP answer, then one {@link SocketSession}.
 * Nothing of the request outlives the upgrade, which is what makes an idle socket cheap.
 */
export class WsUpgrade {
  readonly #engine: NascEngine;
  readonly #streams: StreamEndpoint;
  readonly #server: WebSocketServer;
  readonly #options: WsUpgradeOptions;
  /** The `Set-Cookie` of a session issued by an upgrade in progress, for its 101 (and only its). */
  readonly #issuedCookies = new WeakMap<IncomingMessage, string>();

  constructor(engine: NascEngine, streams: StreamEndpoint, server: WebSocketServer, options: WsUpgradeOptions) {
    this.#engine = engine;
    this.#streams = streams;
    this.#server = server;
    this.#options = options;
    // `ws` writes the 101 itself; its `headers` event is the one place to add to it.
    server.on('headers', (headers: string[], request: IncomingMessage) => {
      const cookie = this.#issuedCookies.get(request);
      if (cookie !== undefined) headers.push(`Set-Cookie: ${cookie}`);
    });
  }

  /** Checks an upgrade request for this endpoint and upgrades it, or answers why not. Never throws. */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const startedAt = performance.now();
    socket.on('error', destroySocket);
    let upgraded = false;
    // What the upgrade was answered, for its debug line (400: `ws` found the handshake malformed).
    let status = 400;
    try {
      const refused = this.#check(request, socket, head, () => (upgraded = true));
      if (refused) refuseUpgrade(socket, refused.refusal, refused.setCookie);
      status = refused ? refused.refusal.status : upgraded ? 101 : status;
    } catch (error) {
      status = 500;
      this.#engine.logger.error('WebSocket upgrade failed', { error: error instanceof Error ? error.message : String(error) });
      if (upgraded) socket.destroy();
      else failUpgrade(socket);
    }
    const logger = this.#engine.logger;
    if (logger.isLevelEnabled('debug')) logRequest(logger, 'GET', pathnameOf(request.url), status, startedAt);
  }

  #check(request: IncomingMessage, socket: Duplex, head: Buffer, onUpgraded: () => void): { refusal: Refusal; setCookie?: string } | undefined {
    const url = requestUrl(request);
    if (!url) return { refusal: Refusals.badRequest };
    const parts = nodeRequestParts(url, request.headers, this.#options.trustProxy);
    const admission = this.#streams.admit({ ...parts, clientId: url.searchParams.get('clientId') ?? undefined }, { upgrade: true });
    const setCookie = admission.setCookie;
    if (!admission.ok) return { refusal: admission.refusal, ...(setCookie === undefined ? {} : { setCookie }) };
    const caller = admission.caller;
    if (setCookie !== undefined) this.#issuedCookies.set(request, setCookie);
    // `ws` reports a malformed handshake synchronously, inside handleUpgrade: listening only meanwhile keeps
    // its answers to upgrades taken elsewhere (the Hono route) as they were.
    this.#server.on('wsClientError', refuseHandshake);
    try {
      this.#server.handleUpgrade(request, socket, head, (ws) => {
        onUpgraded();
        socket.off('error', destroySocket);
        this.#open(ws, caller, socket);
      });
    } finally {
      this.#server.off('wsClientError', refuseHandshake);
      this.#issuedCookies.delete(request);
    }
    return undefined;
  }

  /** The socket is open: from here on it holds its session, and nothing of the request. */
  #open(ws: WebSocket, caller: Caller, transport: Duplex): void {
    // `ws` emits `error` before closing for a frame over maxPayload (1009) or bad UTF-8 (1007): the close is
    // what matters, and an unheard `error` would throw.
    ws.on('error', ignore);
    const session = new SocketSession(this.#engine, caller, ws, transport, this.#options);
    listenToSocket(ws, session);
  }
}
