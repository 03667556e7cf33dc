import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWireId } from '../../protocol/index.js';
import type { NascEngine } from '../engine/engine.js';
import { refusal, type EventPostAnswer } from '../endpoints/event-endpoint.js';
import { failureAnswer } from '../endpoints/failure-answer.js';
import { CommonRefusals } from '../endpoints/refusal.js';
import { corsHeaders, writeJsonAnswer } from './node-answer.js';
import { requestUrl } from './node-request.js';
import { openNodeSseStream, SSE_HEADERS, type NodeSseStreamOptions } from './node-sse-stream.js';
import { nodeRequestOrigin } from '../security/request-origin.js';
import type { SessionCodec } from '../security/session-codec.js';
import { openSession, type SessionCookieSettings } from '../security/session-cookie.js';

/** What an SSE stream opened straight from Node checks, besides what every stream of the endpoint shares. */
export interface EventStreamOpenerOptions extends NodeSseStreamOptions {
  codec: SessionCodec;
  cookie: SessionCookieSettings;
  trustProxy: boolean;
  /** The origins of other sites' pages allowed to read the stream (`allowedOrigins`). */
  corsOrigins: ReadonlySet<string>;
}

/** {@link SSE_HEADERS} with lowercase names, as the Hono route's head has them (from a `Headers`). */
const STREAM_HEADERS: Record<string, string> = Object.fromEntries(Object.entries(SSE_HEADERS).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Opens `GET <mount>/events` streams taken straight from Node's HTTP server (`nasc.attach`), without a Hono
 * request or context: the checks of the route chain `cors → openSession → sseRoute`, in its order (session
 * cookie verified or issued, `clientId`, `engine.admit`), the same head, and the same JSON refusals. Nothing of the request outlives the head: on
 * the Hono route, `@hono/node-server` keeps the request, its headers and its handler's closures for the
 * stream's whole life.
 */
export class EventStreamOpener {
  readonly #engine: NascEngine;
  readonly #options: EventStreamOpenerOptions;

  constructor(engine: NascEngine, options: EventStreamOpenerOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  /** Opens the stream, or answers why not. Never throws. */
  open(request: IncomingMessage, response: ServerResponse, path: string): void {
    let setCookie: string | undefined;
    let answer: EventPostAnswer | undefined;
    try {
      answer = this.#open(request, response, (issued) => (setCookie = issued));
    } catch (error) {
      if (response.headersSent) {
        // The stream was open when the engine failed: there is no answer left to give, only a cut.
        this.#engine.logger.error('SSE stream failed', { path, error: error instanceof Error ? error.message : String(error) });
        response.destroy();
        return;
      }
      const failure = failureAnswer(error, this.#engine.logger, path);
      answer = refusal(failure.status, failure.code, failure.message, undefined, failure.retryAfterMs);
    }
    if (answer) writeJsonAnswer(request, response, answer, this.#options.corsOrigins, setCookie);
  }

  #open(request: IncomingMessage, response: ServerResponse, issued: (setCookie: string) => void): EventPostAnswer | undefined {
    const url = requestUrl(request);
    if (!url) return refusal(400, 'bad_request', 'Invalid Host header.');
    const headers = request.headers;
    const { codec, cookie, trustProxy, corsOrigins } = this.#options;
    const https = () => nodeRequestOrigin(url, headers, trustProxy).startsWith('https:');
    const { session, setCookie } = openSession(codec, headers.cookie, cookie, https);
    if (setCookie !== undefined) issued(setCookie);
    const clientId = url.searchParams.get('clientId') ?? undefined;
    if (!isWireId(clientId)) return refusal(CommonRefusals.badClientId.status, CommonRefusals.badClientId.code, CommonRefusals.badClientId.message);
    const caller = { session, clientId };
    const rejection = this.#engine.admit(caller);
    if (rejection) return refusal(rejection.status, rejection.code, rejection.message, undefined, rejection.retryAfterMs);
    // In the order a `Headers` lists them (by name), the session cookie last, as the route writes its head.
    const head: Record<string, string | string[]> = { ...STREAM_HEADERS };
    for (const [name, value] of Object.entries(corsHeaders(headers.origin, corsOrigins))) {
      // Not on the route's head either: `cors` appends `Vary` after the handler, when this head has left.
      // (A stream is `no-cache`: nothing stores it to vary.)
      if (name !== 'vary') head[name] = String(value);
    }
    const sorted: Record<string, string | string[]> = {};
    for (const name of Object.keys(head).sort()) sorted[name] = head[name]!;
    if (setCookie !== undefined) sorted['set-cookie'] = [setCookie];
    openNodeSseStream(this.#engine, caller, response, sorted, this.#options);
    return undefined;
  }
}
