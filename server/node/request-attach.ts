import type { IncomingMessage, ServerResponse } from 'node:http';
import { AttachedPaths } from './attached-paths.js';
import type { EventEndpoint } from '../endpoints/event-endpoint.js';
import { answerOf, Refusals, type Answer } from '../endpoints/refusal.js';
import type { EventStreamOpener } from './event-stream-opener.js';
import { failureAnswer } from '../endpoints/failure-answer.js';
import { logRequest, type LevelledLogger } from '../util/logger.js';
import { writeJsonAnswer } from './node-answer.js';
import { readRequestBody, RequestBodyAborted } from './node-request-body.js';
import { nodeRequestParts, pathnameOf, requestUrl } from './node-request.js';

/** A listener of Node's `request` event. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The part of an HTTP server whose `request` listeners `attach` puts itself in front of: Node's
 * `http.Server` and `https.Server` fit, and so does what `@hono/node-server`'s `serve()` returns.
 */
export interface RequestServer {
  // Node types listeners as `Function`: they are only ever called back, with the server as `this`.
  listeners(event: 'request'): Function[];
  on(event: 'request', listener: RequestListener): unknown;
  prependListener(event: 'request', listener: RequestListener): unknown;
  removeListener(event: 'request', listener: RequestListener): unknown;
}

/** The requests `attach` takes from the `request` event: event POSTs, and the SSE streams' opening GETs. */
export type AttachedRequest = 'POST' | 'GET';

/** What `attach` needs to answer event POSTs as the Hono route does. */
export interface EventAttachOptions {
  readonly trustProxy: boolean;
  /**
   * The origins of other sites' pages allowed to post (`allowedOrigins`): their answers carry the headers
   * the app's `cors` middleware adds on the Hono route. Empty: that middleware is not installed.
   */
  readonly corsOrigins: ReadonlySet<string>;
}

/** One server's dispatching listener, the listeners it stands in front of, and the `METHOD path`s it takes. */
interface Attachment {
  readonly dispatch: RequestListener;
  readonly others: Function[];
  readonly paths: AttachedPaths;
}

/**
 * Takes `POST <mount>/event` and the SSE stream's `GET <mount>/events` straight from Node's HTTP server,
 * without building a Hono request, and hands every other request to the listeners the server had (the app's
 * `fetch`). The answers are the Hono routes' (one {@link EventEndpoint} makes both event answers; an
 * {@link EventStreamOpener} makes the route's checks, head and refusals); only the app's own Hono middleware
 * does not see these requests, as it does not see the events sent on a WebSocket. What it saves is Hono's
 * request, context and response and node-server's answer for every event, and node-server's request objects
 * and closures for every idle stream (see docs/benchmarks.md).
 *
 * Like `engine.io`'s attach, it stands in front of the server's `request` listeners present when attached
 * (what `serve()` and `createServer(listener)` register) rather than beside them: two answers to one request
 * would break the connection.
 */
export class RequestAttachments {
  readonly #events: EventEndpoint;
  readonly #streams: EventStreamOpener;
  readonly #logger: LevelledLogger;
  readonly #options: EventAttachOptions;
  readonly #attached = new Map<RequestServer, Attachment>();

  constructor(events: EventEndpoint, streams: EventStreamOpener, logger: LevelledLogger, options: EventAttachOptions) {
    this.#events = events;
    this.#streams = streams;
    this.#logger = logger;
    this.#options = options;
  }

  /** Takes `method` requests (event POSTs, or stream GETs) on `path` from `server`; returns the function that stops it. */
  attach(server: RequestServer, method: AttachedRequest, path: string): () => void {
    let attachment = this.#attached.get(server);
    if (!attachment) {
      const others = server.listeners('request');
      const paths = new AttachedPaths();
      const dispatch: RequestListener = (request, response) => {
        const method = request.method;
        const path = method === 'POST' || method === 'GET' ? pathnameOf(request.url) : '';
        if (path !== '' && paths.has(`${method} ${path}`)) {
          if (method === 'GET') {
            this.#streams.open(request, response, path);
            return;
          }
          this.#take(request, response, path).catch((error: unknown) => {
            // Every failure of the event itself is answered in #take; this is a fault of our own.
            this.#logger.error('event POST failed', { path, error: error instanceof Error ? error.message : String(error) });
            response.destroy();
          });
          return;
        }
        for (const listener of others) Reflect.apply(listener, server, [request, response]);
      };
      attachment = { dispatch, others, paths };
      for (const listener of others) server.removeListener('request', listener as RequestListener);
      server.on('request', dispatch);
      this.#attached.set(server, attachment);
    }
    const attached = attachment;
    return attachment.paths.add(`${method} ${path}`, () => {
      // Unless `detachAll` (or a later attach of the same server) got there first.
      if (this.#attached.get(server) !== attached) return;
      restore(server, attached);
      this.#attached.delete(server);
    });
  }

  /** Gives every server its own listeners back (`nasc.close()`). */
  detachAll(): void {
    for (const [server, attachment] of this.#attached) restore(server, attachment);
    this.#attached.clear();
  }

  async #take(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const startedAt = performance.now();
    let answer: Answer;
    let bodyRead = false;
    try {
      const url = requestUrl(request);
      answer = url
        ? await this.#events.answer({
            ...nodeRequestParts(url, request.headers, this.#options.trustProxy),
            body: async (declared, maxBytes) => {
              const text = await readRequestBody(request, declared, maxBytes);
              bodyRead = text !== undefined;
              return text;
            },
          })
        : answerOf(Refusals.badRequest);
    } catch (error) {
      // Nobody is left to answer.
      if (error instanceof RequestBodyAborted) return;
      answer = answerOf(failureAnswer(error, this.#logger, path));
    }
    writeJsonAnswer(request, response, answer, this.#options.corsOrigins, undefined, bodyRead);
    if (this.#logger.isLevelEnabled('debug')) logRequest(this.#logger, 'POST', path, answer.status, startedAt);
  }
}

function restore(server: RequestServer, attachment: Attachment): void {
  server.removeListener('request', attachment.dispatch);
  // Back in front of any listener added meanwhile, in their own order.
  for (const listener of [...attachment.others].reverse()) server.prependListener('request', listener as RequestListener);
}
