import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NascEngine } from '../engine/engine.js';
import { failureAnswer } from '../endpoints/failure-answer.js';
import { answerOf, Refusals } from '../endpoints/refusal.js';
import type { StreamEndpoint } from '../endpoints/stream-endpoint.js';
import { logRequest } from '../util/logger.js';
import { corsHeaders, writeJsonAnswer } from './node-answer.js';
import { nodeRequestParts, requestUrl } from './node-request.js';
import { openNodeSseStream, SSE_HEADERS, type NodeSseStreamOptions } from '../channels/node-sse-stream.js';

/** What an SSE stream opened straight from Node needs besides what every stream of the endpoint shares. */
export interface EventStreamOpenerOptions extends NodeSseStreamOptions {
  trustProxy: boolean;
  /** The origins of other sites' pages allowed to read the stream (`allowedOrigins`). */
  corsOrigins: ReadonlySet<string>;
}

/** {@link SSE_HEADERS} with lowercase names, as the Hono route's head has them (from a `Headers`). */
const STREAM_HEADERS: Record<string, string> = Object.fromEntries(Object.entries(SSE_HEADERS).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Opens `GET <mount>/events` streams taken straight from Node's HTTP server (`nasc.attach`), without a Hono
 * request or context: admitted by the {@link StreamEndpoint} as the route's are, with the route's head and
 * JSON refusals. Nothing of the request outlives the head: on the Hono route, `@hono/node-server` keeps the
 * request, its headers and its handler's closures for the stream's whole life.
 */
export class EventStreamOpener {
  readonly #engine: NascEngine;
  readonly #streams: StreamEndpoint;
  readonly #options: EventStreamOpenerOptions;

  constructor(engine: NascEngine, streams: StreamEndpoint, options: EventStreamOpenerOptions) {
    this.#engine = engine;
    this.#streams = streams;
    this.#options = options;
  }

  /** Opens the stream, or answers why not. Never throws. */
  open(request: IncomingMessage, response: ServerResponse, path: string): void {
    const startedAt = performance.now();
    try {
      this.#open(request, response, path);
    } finally {
      const logger = this.#engine.logger;
      if (logger.isLevelEnabled('debug')) logRequest(logger, 'GET', path, response.statusCode, startedAt);
    }
  }

  #open(request: IncomingMessage, response: ServerResponse, path: string): void {
    const { trustProxy, corsOrigins } = this.#options;
    let setCookie: string | undefined;
    try {
      const url = requestUrl(request);
      if (!url) {
        writeJsonAnswer(request, response, answerOf(Refusals.badRequest), corsOrigins);
        return;
      }
      const admission = this.#streams.admit({ ...nodeRequestParts(url, request.headers, trustProxy), clientId: url.searchParams.get('clientId') ?? undefined });
      setCookie = admission.setCookie;
      if (!admission.ok) {
        writeJsonAnswer(request, response, answerOf(admission.refusal), corsOrigins, setCookie);
        return;
      }
      openNodeSseStream(this.#engine, admission.caller, response, this.#head(request, setCookie), this.#options);
    } catch (error) {
      if (response.headersSent) {
        // The stream was open when the engine failed: there is no answer left to give, only a cut.
        this.#engine.logger.error('SSE stream failed', { path, error: error instanceof Error ? error.message : String(error) });
        response.destroy();
        return;
      }
      writeJsonAnswer(request, response, answerOf(failureAnswer(error, this.#engine.logger, path)), corsOrigins, setCookie);
    }
  }

  /** In the order a `Headers` lists them (by name), the session cookie last, as the route writes its head. */
  #head(request: IncomingMessage, setCookie: string | undefined): Record<string, string | string[]> {
    const head: Record<string, string | string[]> = { ...STREAM_HEADERS };
    for (const [name, value] of Object.entries(corsHeaders(request.headers.origin, this.#options.corsOrigins))) {
      // Not on the route's head either: `cors` appends `Vary` after the handler, when this head has left.
      // (A stream is `no-cache`: nothing stores it to vary.)
      if (name !== 'vary') head[name] = String(value);
    }
    const sorted: Record<string, string | string[]> = {};
    for (const name of Object.keys(head).sort()) sorted[name] = head[name]!;
    if (setCookie !== undefined) sorted['set-cookie'] = [setCookie];
    return sorted;
  }
}
