import { isWireId } from '../../protocol/index.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import type { OriginPolicy } from '../security/origin-check.js';
import type { SessionCodec } from '../security/session-codec.js';
import { openSession, type SessionCookieSettings } from '../security/session-cookie.js';
import { originRefusal } from './origin-refusal.js';
import { Refusals, type Refusal } from './refusal.js';

/** A stream's opening request as the endpoint sees it, whichever way it came in. */
export interface StreamRequest {
  /** A request header by its lowercase name (of a repeated one, the first). */
  header(lowerName: string): string | undefined;
  /** The origin the page sees this server at; asked only when the request has an `Origin` or needs a cookie. */
  ownOrigin(): string;
  /** The `clientId` query parameter. */
  readonly clientId: string | undefined;
}

/** What the endpoint decided: a caller whose stream may open, or why not; and a new session's cookie either way. */
export type StreamAdmission = ({ ok: true; caller: Caller } | { ok: false; refusal: Refusal }) & {
  /** The `Set-Cookie` of a session issued on the way, for the answer, a refusal included. */
  setCookie?: string;
};

/** What opening a stream checks, besides the engine's own limits. */
export interface StreamEndpointOptions {
  /** The pages that may open a WebSocket (a browser sends cookies with another site's WebSocket). */
  origins: OriginPolicy;
  codec: SessionCodec;
  cookie: SessionCookieSettings;
}

/**
 * Every check a stream open makes, written once for the four ways in (the SSE stream and the WebSocket, each
 * through the Hono route or `nasc.attach`), in this order: the page's origin (WebSocket only: an SSE stream
 * is read-only and another site's page cannot read it without CORS), the session cookie (verified, or a new
 * session issued), the `clientId`, that it is a WebSocket upgrade (for the WebSocket endpoint), and the
 * engine's admission (client id held by another session, streams per session). The front doors only
 * translate their request in and the answer out, then open the stream on the engine.
 */
export class StreamEndpoint {
  readonly #engine: NascEngine;
  readonly #options: StreamEndpointOptions;

  constructor(engine: NascEngine, options: StreamEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  /**
   * Admits an SSE stream (`websocket` undefined) or a WebSocket (`websocket.upgrade`: whether the request
   * asks to upgrade).
   */
  admit(request: StreamRequest, websocket?: { upgrade: boolean }): StreamAdmission {
    const { origins, codec, cookie } = this.#options;
    if (websocket) {
      const foreign = originRefusal(request, origins);
      if (foreign) return { ok: false, refusal: foreign };
    }
    const { session, setCookie } = openSession(codec, request.header('cookie'), cookie, () => request.ownOrigin().startsWith('https:'));
    const issued = setCookie === undefined ? {} : { setCookie };
    const clientId = request.clientId;
    if (!isWireId(clientId)) return { ok: false, refusal: Refusals.badClientId, ...issued };
    if (websocket && !websocket.upgrade) return { ok: false, refusal: Refusals.upgradeRequired, ...issued };
    const caller = { session, clientId };
    const refused = this.#engine.admit(caller);
    if (refused) return { ok: false, refusal: refused, ...issued };
    return { ok: true, caller, ...issued };
  }
}
