import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { WebSocketServer } from 'ws';
import { clientScriptRoute } from './hono/client-script-route.js';
import { NascEngine, type EngineOptions } from './engine/engine.js';
import { EventAttachments } from './node/event-attach.js';
import { EventStreamOpener } from './node/event-stream-opener.js';
import { EventPosts } from './endpoints/event-endpoint.js';
import { eventRoute } from './hono/event-route.js';
import { failureAnswer } from './endpoints/failure-answer.js';
import { addHealthRoutes } from './hono/health-routes.js';
import { jsonError } from './endpoints/refusal.js';
import { KeepAliveTicker } from './channels/keep-alive-ticker.js';
import { originPolicy } from './security/origin-check.js';
import { originGuard } from './hono/origin-guard.js';
import { resolveSecret, type SecretOptions } from './security/secret.js';
import { SessionCodec } from './security/session-codec.js';
import { sessionCookieSettings } from './security/session-cookie.js';
import { sessionMiddleware, type SessionCookieOptions } from './hono/session-middleware.js';
import { addSchemaRoutes } from './hono/schema-routes.js';
import { sseRoute } from './hono/sse-route.js';
import { TurnWrites } from './channels/turn-writes.js';
import { attachedPaths, WsAttachments, type AttachableServer, type AttachOptions } from './node/ws-attach.js';
import { wsRoute } from './hono/ws-route.js';
import { WsUpgrade } from './node/ws-upgrade.js';

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
  const engine = new NascEngine(options);
  // Frames larger than maxPayload are cut by `ws` itself (close 1009); between maxBodyBytes and it they get an
  // `error` patch and the socket stays open. Tracking clients lets close() cut every socket, whichever way
  // it was upgraded.
  const websocketServer = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(maxBodyBytes * 4, 1024 * 1024),
    perMessageDeflate: false,
    clientTracking: true,
  });

  const allowedOrigins = options.allowedOrigins ?? [];
  const trustProxy = options.trustProxy ?? false;
  const origins = originPolicy({ allowedOrigins, trustProxy, logger: engine.logger });
  const guard = originGuard(origins);
  const codec = new SessionCodec(resolveSecret(options.sessions));
  const cookie = options.sessions?.cookie ?? {};
  const cookieSettings = sessionCookieSettings(cookie);
  const openSession = sessionMiddleware(codec, { ...cookie, trustProxy });
  // Both ways in to a WebSocket share one keepalive timer and the same per-socket code.
  // Refused frames a socket may send before it is cut. A page that honours its waits is refused at most a
  // window's worth at a time (it pipelines up to 64 events), so twice that, or twice the event burst, passes.
  const refusals = { rate: Math.max(engine.limits.eventsPerSecond, 10), burst: 2 * Math.max(engine.limits.eventBurst, 64) };
  const wsOptions = { maxBodyBytes, maxBufferedBytes, ticker: new KeepAliveTicker(keepAliveMs), refusals };
  const attachments = new WsAttachments(
    () =>
      new WsUpgrade(engine, websocketServer, {
        ...wsOptions,
        codec,
        cookie: cookieSettings,
        origins,
      }),
    engine.logger,
  );

  const app = new Hono();
  if (allowedOrigins.length > 0) {
    const allowed = new Set(allowedOrigins.map((origin) => new URL(origin).origin));
    app.use(
      '*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        credentials: true,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type'],
        maxAge: 600,
      }),
    );
  }
  // SSE frames of one loop turn leave together; an event's 202 waits for its own.
  const turnWrites = new TurnWrites();
  // Both ways in to an SSE stream (the Hono route and `attach`) share one keepalive timer.
  const sseOptions = { ticker: new KeepAliveTicker(keepAliveMs), retryMs, maxBufferedBytes, turnWrites };
  app.get('/events', openSession, sseRoute(engine, sseOptions));
  // The event route makes the origin and session checks itself (one async step per event, not three).
  const eventPosts = new EventPosts(engine, { maxBodyBytes, turnWrites, origins, sessions: { codec, cookie: cookieSettings } });
  const streamOpener = new EventStreamOpener(engine, { ...sseOptions, codec, cookie: cookieSettings, trustProxy, corsOrigins: origins.allowed });
  const eventAttachments = new EventAttachments(eventPosts, streamOpener, engine.logger, { trustProxy, corsOrigins: origins.allowed });
  app.post('/event', eventRoute(eventPosts, trustProxy));
  app.get('/ws', guard, openSession, wsRoute(engine, { ...wsOptions, claimedElsewhere: (request) => attachments.claims(request) }));
  addSchemaRoutes(app, engine);
  addHealthRoutes(app, engine, options.broker);
  app.get('/nasc.js', clientScriptRoute('nasc.js'));
  app.get('/nasc.dev.js', clientScriptRoute('nasc.dev.js'));
  app.get('/nasc.dev.js.map', clientScriptRoute('nasc.dev.js.map'));
  // A catch-all route, not app.notFound: `app.route('/nasc', nasc.app)` copies routes, not the not-found handler.
  app.all('*', (c) => jsonError(c, 404, 'not_found', 'No such Nasc endpoint.'));
  app.onError((error, c) => {
    const failure = failureAnswer(error, engine.logger, c.req.path);
    return jsonError(c, failure.status, failure.code, failure.message, undefined, failure.retryAfterMs);
  });

  return {
    app,
    websocket: { server: websocketServer },
    attach(server, attachOptions) {
      const paths = attachedPaths(attachOptions);
      const detachWs = attachments.attach(server, paths.ws);
      const detachEvents = paths.event === false ? undefined : eventAttachments.attach(server, 'POST', paths.event);
      const detachStream = paths.stream === false ? undefined : eventAttachments.attach(server, 'GET', paths.stream);
      return () => {
        detachWs();
        detachEvents?.();
        detachStream?.();
      };
    },
    engine,
    deleteInstance: (type, instance) => engine.deleteInstance(type, instance),
    async close() {
      attachments.detachAll();
      eventAttachments.detachAll();
      for (const socket of websocketServer.clients) socket.terminate();
      await engine.shutdown();
    },
  };
}
