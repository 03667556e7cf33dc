/**
 * The real Nasc server the browser tests talk to (runs in Node, started by web-test-runner.config.mjs from
 * its compiled form in dist/). The test page is on the web-test-runner origin, this server on another one:
 * every request is cross-origin, as when "the server is on another origin".
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ClientEvent, JsonObject } from '../../protocol/index.js';
import { createNasc, defineHandler, LogLevel, createConsoleLogger, NascError, type AppSchema, type MountParams } from '../../server/index.js';


interface Gate {
  promise: Promise<void>;
  release: () => void;
}

/** Named gates a `hold` event waits on until the test page releases them (`POST /test/release`). */
const gates = new Map<string, Gate>();

function gate(name: string): Gate {
  let entry = gates.get(name);
  if (!entry) {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    entry = { promise, release };
    gates.set(name, entry);
  }
  return entry;
}

/** Client ids whose event POSTs on `/flaky` fail, and every attempt seen (time in ms, event id, answer). */
const flaky = new Map<string, { failuresLeft: number; attempts: { at: number; eventId: string; status: number }[] }>();

/** Merges a payload into state: `null` removes a property. */
function merge(state: JsonObject, payload: JsonObject): JsonObject {
  const next: JsonObject = { ...state };
  for (const [key, value] of Object.entries(payload)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

function echoCount(state: JsonObject): number {
  return typeof state.echoCount === 'number' ? state.echoCount : 0;
}

/**
 * The one handler behind every test type. Mount params become the first state (so a test sets it up with
 * `params='{"items":[…]}'`); `echo` records exactly the payload that arrived; `set` merges the payload;
 * `toggle` flips the boolean `payload.prop`; `hold` waits for a gate the test releases, then merges; `fail` throws a `NascError` (with `field`).
 */
const Echo = defineHandler<JsonObject>({
  mount: (params: MountParams) => {
    const { instance: _instance, ...initial } = params;
    return initial;
  },
  echo: (payload, state, ctx) => ({ ...state, lastPayload: payload, lastEvent: ctx.event, echoCount: echoCount(state) + 1 }),
  set: (payload, state) => merge(state, payload),
  toggle: (payload, state) => {
    const prop = typeof payload.prop === 'string' ? payload.prop : 'on';
    return { ...state, [prop]: state[prop] !== true };
  },
  hold: async (payload, state) => {
    const { gate: name, ...rest } = payload;
    if (typeof name === 'string') await gate(name).promise;
    return { ...merge(state, rest), lastPayload: payload, echoCount: echoCount(state) + 1 };
  },
  fail: (payload) => {
    const message = typeof payload.message === 'string' ? payload.message : 'Rejected.';
    throw new NascError(message, typeof payload.field === 'string' ? { field: payload.field } : {});
  },
});

/** Types: all share the handler; `Typed` alone has a schema (the dev-warning tests use it). */
export const BROWSER_TEST_HANDLERS = { Echo, Outer: Echo, Inner: Echo, List: Echo, Typed: Echo };

export const BROWSER_TEST_SCHEMAS: AppSchema = {
  $defs: {
    Typed: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        count: { type: 'integer' },
        items: { type: 'array', items: { $ref: '#/$defs/TypedItem' } },
      },
    },
    TypedItem: { type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' } } },
  },
};

/** What {@link startBrowserTestServer} gives back. */
export interface BrowserTestServer {
  /** Where Nasc is mounted, ending in `/`: what `PageConnection({ base })` takes. */
  readonly base: string;
  /** The server's origin; the test-control routes are at `/test/…`. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Starts Nasc (mounted at `/nasc`) plus test-control routes on 127.0.0.1 and a free port:
 * - `POST /test/drop` `{clientIds?, then?}`: the server drops streams (those of `clientIds`, else every
 *   stream through `engine.disconnectAll()`), then applies the events in `then` as another client would,
 *   before any client can have reconnected.
 * - `POST /test/release` `{gate}`: lets the `hold` events waiting on `gate` finish.
 * - `POST /test/flaky` `{clientId, failures}`: that client's next `failures` event POSTs on `/flaky/` (Nasc
 *   mounted again behind a faulty proxy) get a bare 502; `GET /test/flaky?clientId=` lists its attempts.
 */
export async function startBrowserTestServer(options: { allowedOrigins: string[] }): Promise<BrowserTestServer> {
  const nasc = createNasc({
    handlers: BROWSER_TEST_HANDLERS,
    schemas: BROWSER_TEST_SCHEMAS,
    allowedOrigins: options.allowedOrigins,
    keepAliveMs: 5_000,
    logger: createConsoleLogger(LogLevel.Error),
    sessions: { secret: 'nasc-browser-test-secret-0123456789abcdef' },
    // Every test shares the browser's one session; the limits have their own tests.
    limits: { eventsPerSecond: 1e6, eventBurst: 1e6, streamsPerSession: 1e5, mountsPerSession: 1e6, creationsPerSecond: 1e6, creationBurst: 1e6, serverCreationsPerSecond: 1e6, serverCreationBurst: 1e6 },
  });
  const app = new Hono();
  app.route('/nasc', nasc.app);
  // The same server where WebSocket upgrades are refused (as behind a proxy that blocks them): a page that
  // asks for WS there must fall back to SSE.
  app.get('/nows/ws', (c) => c.json({ error: 'WebSocket is blocked here', code: 'blocked' }, 403));
  app.route('/nows', nasc.app);
  // The same server behind a faulty proxy: POSTs of an armed client id (`POST /test/flaky`) are answered with
  // a bare 502 (no Retry-After, as proxies send) until its failures are used up; every attempt is logged.
  app.post('/flaky/event', async (c, next) => {
    const text = await c.req.text();
    let event: { clientId?: unknown; event?: unknown; eventId?: unknown } = {};
    try {
      event = JSON.parse(text) as typeof event;
    } catch {
      // Nasc's own route answers it.
    }
    const armed = typeof event.clientId === 'string' && event.event !== 'mount' ? flaky.get(event.clientId) : undefined;
    if (!armed) return next();
    const failing = armed.failuresLeft > 0;
    armed.attempts.push({ at: performance.now(), eventId: String(event.eventId), status: failing ? 502 : 202 });
    if (!failing) return next();
    armed.failuresLeft -= 1;
    // Readable by the cross-origin test page, so it sees the 502 itself rather than a network error.
    const origin = c.req.header('Origin');
    if (origin && options.allowedOrigins.includes(origin)) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
    }
    return c.text('Bad Gateway', 502);
  });
  app.route('/flaky', nasc.app);
  const control = new Hono();
  control.use('*', cors({ origin: options.allowedOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type'] }));
  control.post('/drop', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { clientIds?: unknown; then?: unknown };
    let dropped = 0;
    if (Array.isArray(body.clientIds)) {
      for (const clientId of body.clientIds) {
        if (typeof clientId !== 'string') continue;
        dropped += nasc.engine.disconnectClient(clientId, 'test dropped this stream');
      }
    } else {
      dropped = nasc.engine.connectionCount;
      nasc.engine.disconnectAll('test dropped every stream');
    }
    const results = [];
    for (const event of Array.isArray(body.then) ? (body.then as ClientEvent[]) : []) {
      results.push(await nasc.engine.dispatch(event));
    }
    return c.json({ dropped, results });
  });
  control.post('/release', async (c) => {
    const body = (await c.req.json()) as { gate?: unknown };
    if (typeof body.gate !== 'string') return c.json({ error: 'gate must be a string' }, 400);
    gate(body.gate).release();
    return c.json({ ok: true });
  });
  control.post('/flaky', async (c) => {
    const body = (await c.req.json()) as { clientId?: unknown; failures?: unknown };
    if (typeof body.clientId !== 'string' || typeof body.failures !== 'number') return c.json({ error: 'clientId and failures needed' }, 400);
    flaky.set(body.clientId, { failuresLeft: body.failures, attempts: [] });
    return c.json({ ok: true });
  });
  control.get('/flaky', (c) => c.json(flaky.get(c.req.query('clientId') ?? '')?.attempts ?? []));
  app.route('/test', control);

  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, websocket: nasc.websocket }, (info: AddressInfo) =>
      resolve({ server: listening as Server, port: info.port }),
    );
    listening.once('error', reject);
  });
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    base: `${origin}/nasc/`,
    origin,
    close() {
      closing ??= (async () => {
        for (const { release } of gates.values()) release();
        await nasc.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
