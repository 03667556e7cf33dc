import type { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { KeepAliveTicker } from './channels/keep-alive-ticker.js';
import { TurnBatching } from './channels/write-batching.js';
import { NascEngine, type EngineOptions } from './engine/engine.js';
import { EventEndpoint } from './endpoints/event-endpoint.js';
import { StreamEndpoint } from './endpoints/stream-endpoint.js';
import { ajvPayloadValidator } from './validation/ajv-validator.js';
import { createNascApp } from './hono/nasc-app.js';
import { RequestAttachments } from './node/request-attach.js';
import { EventStreamOpener } from './node/event-stream-opener.js';
import type { NascMetrics } from './observe/metrics.js';
import { observe, type MetricsOptions, type TracingOptions } from './observe/observation.js';
import { attachedPaths, UpgradeAttachments, type AttachableServer, type AttachOptions } from './node/upgrade-attach.js';
import { WsUpgrade } from './node/ws-upgrade.js';
import { originPolicy } from './security/origin-check.js';
import { resolveSecret, type SecretOptions } from './security/secret.js';
import { SessionCodec } from './security/session-codec.js';
import { sessionCookieSettings, type SessionCookieOptions } from './security/session-cookie.js';
import { toLogger } from './util/logger.js';

/** Options of {@link createNasc}: the engine's, plus transport limits and timings. */
export interface NascOptions extends EngineOptions {
  /** Interval of SSE comment keepalives and WebSocket pings, in ms (default 15,000). */
  keepAliveMs?: number;
  /** The `retry:` hint sent on each SSE stream, in ms (default 1,000). */
  retryMs?: number;
  /** Largest event accepted, as a POST body or a WS text frame (default 64 KiB). */
  maxBodyBytes?: number;
  /** Bytes that may queue for one slow client before it is disconnected to resync (default 1 MiB). */
  maxBufferedBytes?: number;
  /**
   * Origins of pages on other origins that may use this server (with credentials), e.g.
   * `['https://app.example.com']`. Pages on the server's own origin always may.
   */
  allowedOrigins?: readonly string[];
  /**
   * Sessions: every stream and event is bound to a signed, HttpOnly session cookie issued when the first
   * stream opens. The key comes from `secret`, else `NASC_SECRET`, else a file kept next to the app.
   */
  sessions?: SecretOptions & { cookie?: SessionCookieOptions };
  /**
   * Trust `X-Forwarded-Proto`/`X-Forwarded-Host` for the page's origin (Origin checks, the cookie's
   * `Secure` flag). Set it only behind a proxy you run that sets these headers.
   */
  trustProxy?: boolean;
  /**
   * Prometheus metrics (default off): counted in-process (`nasc.metrics`) and served at `GET <mount>/metrics`
   * (`{ route: false }` to serve them yourself). See docs/server.md for every metric.
   */
  metrics?: boolean | MetricsOptions;
  /**
   * OpenTelemetry spans around events, when `@opentelemetry/api` is installed (default on; `false` turns them
   * off, `{ api }` passes the module). They record once the app registers an SDK.
   */
  tracing?: TracingOptions;
}

/** What {@link createNasc} returns: a Hono app to mount, two ways to take WebSockets, the engine. */
export interface Nasc {
  /** Mount it where the client should find it: `app.route('/nasc', nasc.app)`. */
  readonly app: Hono;
  /**
   * Pass to `@hono/node-server`'s `serve({ ..., websocket: nasc.websocket })` for WebSockets upgraded through
   * the Hono route, which the app's own middleware sees. Sockets taken by {@link Nasc.attach} live here too.
   */
  readonly websocket: { server: WebSocketServer };
  /**
   * Takes WebSocket upgrades on `path` (default `/nasc/ws`), event POSTs on `eventPath` (default
   * `/nasc/event`) and SSE streams on `streamPath` (default `/nasc/events`) straight from the HTTP server,
   * without Hono: every Nasc check still runs (origin, session cookie, client id, limits) and the answers are
   * the Hono routes', but the app's own middleware does not see these requests. An idle socket costs about a
   * third of the heap, an event about a fifth less server CPU, an idle SSE stream less heap.
   * Upgrades on other paths are left to other `upgrade` listeners (404 when there are none), other requests
   * to the server's own `request` listeners, so attach after they are registered (`serve()` registers its
   * own). Returns the function that detaches it.
   *
   * @example
   * const server = serve({ fetch: app.fetch, port: 3000 });
   * const detach = nasc.attach(server); // or nasc.attach(server, { path: '/api/nasc/ws' })
   */
  attach(server: AttachableServer, options?: AttachOptions): () => void;
  readonly engine: NascEngine;
  /**
   * The metrics, when `metrics` is on: the numbers `GET <mount>/metrics` serves, readable in-process.
   *
   * @example
   * nasc.metrics?.value('nasc_events_total', { outcome: 'applied' });
   */
  readonly metrics: NascMetrics | undefined;
  /**
   * Deletes an instance (state, log, event outcomes); the streams showing it get an `error` patch with code
   * `instance_deleted` and are unsubscribed. Resolves whether it existed. See `NascEngine.deleteInstance`.
   */
  deleteInstance(type: string, instance: string): Promise<boolean>;
  /** Closes every stream and socket and detaches from every attached server, then closes the store. */
  close(): Promise<void>;
}

/**
 * Creates a Nasc server: SSE (`GET /events` + `POST /event`), WebSocket (`GET /ws`), schemas, manifest and
 * the browser bundle (`GET /nasc.js`), all over one engine.
 *
 * @example
 * const nasc = createNasc({ handlers: { Counter }, schemas });
 * const app = new Hono().route('/nasc', nasc.app);
 * nasc.attach(serve({ fetch: app.fetch, port: 3000 }));
 */
export function createNasc(options: NascOptions): Nasc {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const retryMs = options.retryMs ?? 1_000;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const trustProxy = options.trustProxy ?? false;
  const logger = toLogger(options.logger);
  const secret = resolveSecret(options.sessions);
  // One observer for everything: the engine, the endpoints and the channels report to it (through the engine).
  const observation = observe({ logger, secret, ...(options.metrics ? { metrics: options.metrics } : {}), ...(options.tracing === undefined ? {} : { tracing: options.tracing }) });
  const engine = new NascEngine({ ...options, logger, payloadValidator: options.payloadValidator ?? ajvPayloadValidator() }, observation.observer);
  const origins = originPolicy({ allowedOrigins: options.allowedOrigins ?? [], trustProxy, logger: engine.logger });
  const sessions = { codec: new SessionCodec(secret), cookie: sessionCookieSettings(options.sessions?.cookie) };
  const streams = new StreamEndpoint(engine, { origins, ...sessions });
  // SSE frames of one loop turn leave together; an event's 202 waits for its own.
  const turnBatching = new TurnBatching();
  const events = new EventEndpoint(engine, { maxBodyBytes, turnBatching, origins, sessions });
  // Both ways in to an SSE stream (the Hono route and `attach`) share one keepalive timer; so do both ways
  // in to a WebSocket. Refused frames a socket may send before it is cut: a page that honours its waits is
  // refused at most a window's worth at a time (it pipelines up to 64 events), so twice that, or twice the
  // event burst, passes.
  const sse = { ticker: new KeepAliveTicker(keepAliveMs), retryMs, maxBufferedBytes, turnBatching };
  const refusals = { rate: Math.max(engine.limits.eventsPerSecond, 10), burst: 2 * Math.max(engine.limits.eventBurst, 64) };
  const ws = { maxBodyBytes, maxBufferedBytes, ticker: new KeepAliveTicker(keepAliveMs), refusals };
  // Frames larger than maxPayload are cut by `ws` itself (close 1009); between maxBodyBytes and it they get an
  // `error` patch and the socket stays open. Tracking clients lets close() cut every socket, whichever way
  // it was upgraded.
  const websocketServer = new WebSocketServer({ noServer: true, maxPayload: Math.max(maxBodyBytes * 4, 1024 * 1024), perMessageDeflate: false, clientTracking: true });
  const upgrades = new UpgradeAttachments(() => new WsUpgrade(engine, streams, websocketServer, { ...ws, trustProxy }), engine.logger);
  const requests = new RequestAttachments(events, new EventStreamOpener(engine, streams, { ...sse, trustProxy, corsOrigins: origins.allowed }), engine.logger, {
    trustProxy,
    corsOrigins: origins.allowed,
  });
  const app = createNascApp({
    engine,
    streams,
    events,
    sse,
    ws,
    trustProxy,
    corsOrigins: origins.allowed,
    claimedElsewhere: (request) => upgrades.claims(request),
    ...(observation.metrics && !(typeof options.metrics === 'object' && options.metrics.route === false) ? { metrics: observation.metrics } : {}),
    ...(options.broker ? { broker: options.broker } : {}),
  });

  return {
    app,
    websocket: { server: websocketServer },
    attach(server, attachOptions) {
      const paths = attachedPaths(attachOptions);
      const detachWs = upgrades.attach(server, paths.ws);
      const detachEvents = paths.event === false ? undefined : requests.attach(server, 'POST', paths.event);
      const detachStream = paths.stream === false ? undefined : requests.attach(server, 'GET', paths.stream);
      return () => {
        detachWs();
        detachEvents?.();
        detachStream?.();
      };
    },
    engine,
    metrics: observation.metrics,
    deleteInstance: (type, instance) => engine.deleteInstance(type, instance),
    async close() {
      upgrades.detachAll();
      requests.detachAll();
      for (const socket of websocketServer.clients) socket.terminate();
      await engine.shutdown();
    },
  };
}
