import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { IncomingMessage } from 'node:http';
import type { Broker } from '../broker/broker.js';
import type { NascEngine } from '../engine/engine.js';
import type { EventEndpoint } from '../endpoints/event-endpoint.js';
import { failureAnswer } from '../endpoints/failure-answer.js';
import { refusal } from '../endpoints/refusal.js';
import type { SocketSessionOptions } from '../endpoints/socket-session.js';
import type { StreamEndpoint } from '../endpoints/stream-endpoint.js';
import type { NodeSseStreamOptions } from '../channels/node-sse-stream.js';
import type { NascMetrics } from '../observe/metrics.js';
import { writeRefusal } from './answer.js';
import { clientScriptRoute } from './client-script-route.js';
import { eventRoute } from './event-route.js';
import { requestLog } from './request-log.js';
import { addHealthRoutes } from './health-routes.js';
import { addSchemaRoutes } from './schema-routes.js';
import { sseRoute } from './sse-route.js';
import { wsRoute } from './ws-route.js';

/** What the Hono routes are made of: the endpoints they translate to, and the wiring they need to know. */
export interface NascAppParts {
  engine: NascEngine;
  streams: StreamEndpoint;
  events: EventEndpoint;
  sse: NodeSseStreamOptions;
  ws: SocketSessionOptions;
  trustProxy: boolean;
  /** Normalised origins of other sites' pages that may use the server: CORS is on for them alone. */
  corsOrigins: ReadonlySet<string>;
  /** True for an upgrade `nasc.attach` takes on the same HTTP server (the route leaves it alone). */
  claimedElsewhere: (request: IncomingMessage) => boolean;
  broker?: Broker;
  /** Served at `GET /metrics` when given. */
  metrics?: NascMetrics;
}

/**
 * The Hono app `createNasc` returns: SSE (`GET /events` + `POST /event`), WebSocket (`GET /ws`), schemas,
 * manifest, health and the browser bundles, every route a translation to an endpoint, and every failure
 * answered as the other front door answers it.
 */
export function createNascApp(parts: NascAppParts): Hono {
  const { engine, streams, events, trustProxy, corsOrigins } = parts;
  const app = new Hono();
  // Only when debug lines are on as the app is made: a middleware on every route costs every event POST its
  // own step, on or off.
  if (engine.logger.isLevelEnabled('debug')) app.use('*', requestLog(engine.logger));
  if (corsOrigins.size > 0) {
    app.use(
      '*',
      cors({
        origin: (origin) => (corsOrigins.has(origin) ? origin : null),
        credentials: true,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type'],
        maxAge: 600,
      }),
    );
  }
  app.get('/events', sseRoute(engine, streams, parts.sse, trustProxy));
  app.post('/event', eventRoute(events, trustProxy));
  app.get('/ws', wsRoute(engine, streams, { ...parts.ws, trustProxy, claimedElsewhere: parts.claimedElsewhere }));
  addSchemaRoutes(app, engine);
  addHealthRoutes(app, engine, parts.broker);
  const metrics = parts.metrics;
  if (metrics) {
    app.get('/metrics', async (c) => {
      const registry = await metrics.registry();
      return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
    });
  }
  app.get('/nasc.js', clientScriptRoute('nasc.js'));
  app.get('/nasc.dev.js', clientScriptRoute('nasc.dev.js'));
  app.get('/nasc.dev.js.map', clientScriptRoute('nasc.dev.js.map'));
  app.get('/na-traffic.js', clientScriptRoute('na-traffic.js'));
  // A catch-all route, not app.notFound: `app.route('/nasc', nasc.app)` copies routes, not the not-found handler.
  app.all('*', (c) => writeRefusal(c, refusal(404, 'not_found', 'No such Nasc endpoint.')));
  app.onError((error, c) => {
    // A client error thrown by Hono itself or the app's middleware keeps its status and message.
    if (error instanceof HTTPException && error.status < 500) return writeRefusal(c, refusal(error.status, 'bad_request', error.message));
    return writeRefusal(c, failureAnswer(error, engine.logger, c.req.path));
  });
  return app;
}
