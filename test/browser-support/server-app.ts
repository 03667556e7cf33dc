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
    limits: { eventsPerSecond: 1e6, eventBurst: 1e6, streamsPerSession: 1e5, mountsPerSession: 1e6 },
  });
  const app = new Hono();
  app.route('/nasc', nasc.app);
  // The same server where WebSocket upgrades are refused (as behind a proxy that blocks them): a page that
  // asks for WS there must fall back to SSE.
  app.get('/nows/ws', (c) => c.json({ error: 'WebSocket is blocked here', code: 'blocked' }, 403));
  app.route('/nows', nasc.app);
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
