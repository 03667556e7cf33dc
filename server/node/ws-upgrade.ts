import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { isWireId } from '../../protocol/index.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import { checkOrigin, type OriginPolicy } from '../security/origin-check.js';
import { headerValue, requestUrl } from './node-request.js';
import { nodeRequestOrigin } from '../security/request-origin.js';
import type { SessionCodec } from '../security/session-codec.js';
import { openSession, type SessionCookieSettings } from '../security/session-cookie.js';
import { CommonRefusals } from '../endpoints/refusal.js';
import { destroySocket, failUpgrade, refuseUpgrade, type UpgradeRefusal } from './upgrade-refusal.js';
import { WsSession, type WsSessionOptions } from '../endpoints/socket-session.js';

/** What an upgrade handled on the HTTP server checks, besides what every WebSocket shares. */
export interface WsUpgradeOptions extends WsSessionOptions {
  codec: SessionCodec;
  cookie: SessionCookieSettings;
  origins: OriginPolicy;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** `ws` found the handshake itself malformed (key, version, subprotocols). */
function refuseHandshake(error: Error, socket: Duplex): void {
  // `ws`'s own messages ("Missing or invalid Sec-WebSocket-Key header"): about the request, never internals.
  refuseUpgrade(socket, { status: 400, code: 'bad_handshake', message: error.message });
}

function ignore(): void {}

/**
 * Takes a WebSocket upgrade straight from Node's HTTP server, with `ws` and without Hono: the same checks,
 * in the same order, as the route chain `guard → openSession → wsRoute` (origin, session cookie verified or
 * issued, `clientId`, `engine.admit`), each refusal a real HTTP answer, then one {@link WsSession}.
 * Nothing of the request outlives the upgrade, which is what makes an idle socket cheap.
 */
export class WsUpgrade {
  readonly #engine: NascEngine;
  readonly #server: WebSocketServer;
  readonly #options: WsUpgradeOptions;
  /** The `Set-Cookie` of a session issued by an upgrade in progress, for its 101 (and only its). */
  readonly #issuedCookies = new WeakMap<IncomingMessage, string>();

  constructor(engine: NascEngine, server: WebSocketServer, options: WsUpgradeOptions) {
    this.#engine = engine;
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
    socket.on('error', destroySocket);
    let upgraded = false;
    try {
      const refusal = this.#check(request, socket, head, () => (upgraded = true));
      if (refusal) refuseUpgrade(socket, refusal);
    } catch (error) {
      this.#engine.logger.error('WebSocket upgrade failed', { error: error instanceof Error ? error.message : String(error) });
      if (upgraded) socket.destroy();
      else failUpgrade(socket);
    }
  }

  #check(request: IncomingMessage, socket: Duplex, head: Buffer, onUpgraded: () => void): UpgradeRefusal | undefined {
    const url = requestUrl(request);
    if (!url) return { status: 400, code: 'bad_request', message: 'Invalid Host header.' };
    const headers = request.headers;
    const { origins } = this.#options;
    const ownOrigin = () => nodeRequestOrigin(url, headers, origins.trustProxy);
    const refused = checkOrigin(headers.origin, headerValue(headers['sec-fetch-site']), ownOrigin, origins);
    if (refused) return refused;
    const { session, setCookie } = openSession(this.#options.codec, headers.cookie, this.#options.cookie, () => ownOrigin().startsWith('https:'));
    const cookie = setCookie === undefined ? {} : { setCookie };
    const clientId = url.searchParams.get('clientId') ?? undefined;
    if (!isWireId(clientId)) {
      return { ...CommonRefusals.badClientId, ...cookie };
    }
    const caller = { session, clientId };
    const rejection = this.#engine.admit(caller);
    if (rejection) {
      const wait = rejection.retryAfterMs === undefined ? {} : { retryAfterMs: rejection.retryAfterMs };
      return { status: rejection.status, code: rejection.code, message: rejection.message, ...wait, ...cookie };
    }
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
    const session = new WsSession(this.#engine, caller, ws, transport, this.#options);
    ws.on('message', (data: RawData, isBinary: boolean) => (isBinary ? session.refuseBinary() : session.receiveText(textOf(data))));
    ws.on('close', () => session.closed());
  }
}
