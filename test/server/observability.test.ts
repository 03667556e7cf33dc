/**
 * What an operator sees of a scripted session, over each transport and both wirings (the Hono routes, and
 * `nasc.attach`): the metrics scraped from `GET /nasc/metrics` and read in-process, the `info` lines of events,
 * resumes and streams with their fields, and that no line holds the session id, the cookie or a payload value.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { defineHandler, NascError, type NascOptions } from '../../server/index.js';
import { sessionIdOf } from '../support/adversary.js';
import { createMemoryLogger, type LogEntry, type MemoryLogger } from '../support/memory-logger.js';
import { parseScrape, type Scrape } from '../support/prometheus-scrape.js';
import { acks, answers } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports, type Session, type Transport } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

/** A value sent in payloads: it must reach the handlers and never a log line. */
const PAYLOAD_VALUE = 'payload-value-7f3a9c';
/** A page's event ids: its own random prefix, then a counter. The prefix must never reach a log line. */
const PAGE = 'page-prefix-9d2e41';

const Counter = defineHandler<{ count: number }>({
  mount: () => ({ count: 0 }),
  add: (payload, state) => ({ count: state.count + (typeof payload.by === 'number' ? payload.by : 1) }),
  noop: (_payload, state) => state,
  refuse: () => {
    throw new NascError('Too big.', { code: 'too_big' });
  },
  crash: () => {
    throw new Error('the handler crashed');
  },
});

const Notes = defineHandler<{ text: string }>({
  mount: () => ({ text: '' }),
  write: (payload) => ({ text: String(payload.text) }),
});

/** The app: `Notes/me` is stored under a name made from the session id, and `Locked` is never allowed. */
function appOptions(logger: MemoryLogger): NascOptions {
  return {
    handlers: { Counter, Notes, Locked: Counter },
    logger,
    metrics: true,
    tracing: false,
    resolveInstance: ({ session, type, instance }) => (type === 'Notes' && instance === 'me' ? `notes-${session}` : instance),
    authorize: ({ type }) => type !== 'Locked',
  };
}

const wirings = [
  { name: 'Hono routes', wiring: {} },
  { name: 'nasc.attach', wiring: { attach: {} } },
] as const;

/** Sends an event and waits for its answer (an ack or an error patch) on the sender's stream. */
async function sendAndWait(session: Session, event: Parameters<Session['send']>[0] & { attempt?: number }): Promise<void> {
  await session.send(event);
  await session.messages.next(answers(event.eventId!), undefined, `the answer to ${event.eventId}`);
}

/** Mounts with an id and waits for its ack (the answer is complete then). */
async function mountAt(session: Session, type: string, instance: string, eventId: string, rev?: number): Promise<void> {
  await session.send({ event: 'mount', type, instance, payload: {}, eventId, ...(rev === undefined ? {} : { rev }) });
  await session.messages.next(acks(eventId), undefined, `the ack of ${eventId}`);
}

/** The scripted session; returns the clients that took part, for what they received. */
async function runSession(server: TestServer, transport: Transport): Promise<Session[]> {
  const a = await transport.open(server, 'client-a');
  await mountAt(a, 'Counter', 'c1', `${PAGE}.m-a`);
  const b = await transport.open(server, 'client-b');
  await mountAt(b, 'Counter', 'c1', `${PAGE}.m-b`);
  await sendAndWait(a, { event: 'add', type: 'Counter', instance: 'c1', payload: { by: 1, note: PAYLOAD_VALUE }, eventId: `${PAGE}.e-add` });
  await b.messages.next((message) => message.text.includes('"rev":2'), undefined, 'the change reaching the other client');
  // The same event again, as an outbox sends it after a lost ack: answered from its outcome, counted as a retry.
  await sendAndWait(a, { event: 'add', type: 'Counter', instance: 'c1', payload: { by: 1, note: PAYLOAD_VALUE }, eventId: `${PAGE}.e-add`, attempt: 2 });
  await sendAndWait(a, { event: 'noop', type: 'Counter', instance: 'c1', payload: {}, eventId: `${PAGE}.e-noop` });
  await sendAndWait(a, { event: 'refuse', type: 'Counter', instance: 'c1', payload: { value: PAYLOAD_VALUE }, eventId: `${PAGE}.e-refuse` });
  await sendAndWait(a, { event: 'crash', type: 'Counter', instance: 'c1', payload: { value: PAYLOAD_VALUE }, eventId: `${PAGE}.e-crash` });
  assert.equal((await a.refuse({ event: 'nope', type: 'Counter', instance: 'c1', payload: { value: PAYLOAD_VALUE }, eventId: `${PAGE}.e-unknown` })).code, 'unknown_event');
  assert.equal((await a.refuse(`{"event":"add","payload":"${PAYLOAD_VALUE}`)).code, 'bad_json');
  await mountAt(a, 'Notes', 'me', `${PAGE}.m-notes`);
  await sendAndWait(a, { event: 'write', type: 'Notes', instance: 'me', payload: { text: PAYLOAD_VALUE }, eventId: `${PAGE}.e-notes` });
  assert.equal((await a.refuse({ event: 'mount', type: 'Locked', instance: 'x', payload: {}, eventId: `${PAGE}.m-locked` })).code, 'forbidden');
  // b goes away at revision 1 and comes back: a replay, then a mount naming a revision never reached (reset) and 0 (snapshot).
  const before = server.nasc.engine.connectionCount;
  await b.close();
  await waitFor(() => server.nasc.engine.connectionCount === before - 1, 'the closed stream unregistered');
  const back = await transport.open(server, 'client-b');
  await mountAt(back, 'Counter', 'c1', `${PAGE}.r-replay`, 1);
  await mountAt(back, 'Counter', 'c1', `${PAGE}.r-reset`, 99);
  await mountAt(back, 'Counter', 'c1', `${PAGE}.r-snapshot`, 0);
  return [a, b, back];
}

async function scrape(server: TestServer): Promise<Scrape> {
  const response = await fetch(`${server.baseUrl}/nasc/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseScrape(await response.text());
}

function linesOf(logger: MemoryLogger, message: string, match: Record<string, unknown> = {}): LogEntry[] {
  // An event id is logged with the page's prefix replaced by its tag: matched on what follows it.
  const same = (field: string, logged: unknown, value: unknown): boolean =>
    field === 'eventId' && typeof value === 'string' ? typeof logged === 'string' && logged.endsWith(value.slice(value.indexOf('.'))) && !logged.startsWith(PAGE) : logged === value;
  return logger.entries.filter((entry) => entry.message === message && Object.entries(match).every(([field, value]) => same(field, entry.fields[field], value)));
}

function lineOf(logger: MemoryLogger, message: string, match: Record<string, unknown>): LogEntry {
  const found = linesOf(logger, message, match);
  assert.equal(found.length, 1, `one "${message}" line matching ${JSON.stringify(match)}, got ${JSON.stringify(found)}`);
  return found[0]!;
}

async function setUp(t: TestContext, wiring: (typeof wirings)[number]['wiring']): Promise<{ server: TestServer; logger: MemoryLogger }> {
  const logger = createMemoryLogger();
  const server = await startTestServer(appOptions(logger), wiring);
  t.after(() => server.close());
  // The stream the test server opens to get its session cookie is gone before the session starts.
  await waitFor(() => server.nasc.engine.connectionCount === 0, 'the bootstrap stream closed');
  return { server, logger };
}

for (const transport of transports) {
  for (const { name, wiring } of wirings) {
    describe(`observability over ${transport.name} (${name})`, () => {
      test('the metrics count what the scripted session did, scraped and in-process alike', async (t) => {
        const { server } = await setUp(t, wiring);
        const clients = await runSession(server, transport);
        const scraped = await scrape(server);
        const T = transport.name;
        const events = (outcome: string, code = '') => scraped.value('nasc_events_total', { transport: T, outcome, code });
        assert.equal(events('applied'), 2);
        assert.equal(events('mounted'), 6);
        assert.equal(events('duplicate'), 1);
        assert.equal(events('unchanged'), 1);
        assert.equal(events('rejected', 'too_big'), 1);
        assert.equal(events('failed', 'handler_failed'), 1);
        assert.equal(events('refused', 'unknown_event'), 1);
        assert.equal(events('refused', 'bad_json'), 1);
        assert.equal(events('refused', 'forbidden'), 1);
        assert.equal(scraped.value('nasc_events_total'), 15, 'no other event was counted');
        assert.equal(scraped.value('nasc_event_duration_seconds_count', { transport: T }), 15);
        assert.equal(scraped.value('nasc_event_handler_seconds_count'), 5, 'add, noop, refuse, crash and write ran a handler');
        assert.equal(scraped.value('nasc_outbox_retries_total', { transport: T }), 1);
        assert.equal(scraped.value('nasc_resumes_total', { kind: 'replay' }), 1);
        assert.equal(scraped.value('nasc_resumes_total', { kind: 'reset' }), 1);
        assert.equal(scraped.value('nasc_resumes_total', { kind: 'snapshot' }), 1);
        assert.equal(scraped.value('nasc_fanout_streams_count'), 2, 'two events changed an instance');
        assert.equal(scraped.value('nasc_fanout_streams_sum'), 3, 'the counter reached two streams, the notes one');
        // The bootstrap stream is an SSE stream on every server.
        assert.equal(scraped.value('nasc_streams_opened_total', { transport: T }), T === 'sse' ? 4 : 3);
        assert.equal(scraped.value('nasc_streams_open', { transport: T }), 2);
        assert.equal(scraped.value('nasc_streams_cut_total'), 0);
        assert.equal(scraped.value('nasc_backend_errors_total'), 0);
        // Every message the clients received was counted, and nothing else (the bootstrap stream got `[]`).
        const received = clients.flatMap((client) => client.messages.received);
        const bootstrap = T === 'sse' ? 1 : 0;
        assert.equal(scraped.value('nasc_messages_sent_total', { transport: T }), received.length + bootstrap);
        assert.equal(scraped.value('nasc_patch_bytes_sent_total', { transport: T }), received.reduce((sum, message) => sum + message.text.length, 0) + 2 * bootstrap);
        // A histogram's buckets are cumulative and end with every observation.
        assert.equal(scraped.value('nasc_event_duration_seconds_bucket', { transport: T, le: '+Inf' }), 15);
        for (const sample of scraped.samples) {
          assert.equal(server.nasc.metrics!.value(sample.name, sample.labels), sample.value, `in-process ${sample.name} ${JSON.stringify(sample.labels)}`);
        }
      });

      test('an attempt must be a positive integer; any valid one is applied once', async (t) => {
        const { server } = await setUp(t, wiring);
        const a = await transport.open(server, 'attempts');
        await mountAt(a, 'Counter', 'c', `${PAGE}.m`);
        for (const attempt of [0, -1, 1.5, '2', null]) {
          const refused = await a.refuse({ event: 'add', type: 'Counter', instance: 'c', payload: {}, eventId: `${PAGE}.bad-attempt`, attempt });
          assert.deepEqual([refused.code, refused.message], ['bad_field', 'Field "attempt" must be a positive integer.'], `attempt ${JSON.stringify(attempt)}`);
        }
        for (const attempt of [1, 2, 7]) await sendAndWait(a, { event: 'add', type: 'Counter', instance: 'c', payload: {}, eventId: `${PAGE}.same`, attempt });
        assert.equal(server.nasc.metrics!.value('nasc_events_total', { outcome: 'applied' }), 1);
        assert.equal(server.nasc.metrics!.value('nasc_events_total', { outcome: 'duplicate' }), 2);
        assert.equal(server.nasc.metrics!.value('nasc_outbox_retries_total', { transport: transport.name }), 2);
      });

      test('events, resumes and streams are logged at info with their fields, and no line holds a secret', async (t) => {
        const { server, logger } = await setUp(t, wiring);
        await runSession(server, transport);
        const T = transport.name;
        const added = lineOf(logger, 'event', { eventId: `${PAGE}.e-add`, outcome: 'applied' });
        assert.equal(added.level, 'info');
        assert.match(String(added.fields.eventId), /^[\w-]{12,}\.e-add$/, "the page's prefix is logged as its tag, the counter as it is");
        assert.deepEqual(
          { ...added.fields, handlerMs: typeof added.fields.handlerMs, ms: typeof added.fields.ms, session: typeof added.fields.session },
          { eventId: added.fields.eventId, type: 'Counter', instance: 'c1', event: 'add', outcome: 'applied', rev: 2, handlerMs: 'number', ms: 'number', transport: T, clientId: 'client-a', session: 'string' },
        );
        assert.deepEqual(lineOf(logger, 'event', { eventId: `${PAGE}.e-add`, outcome: 'duplicate' }).fields.attempt, 2);
        assert.equal(lineOf(logger, 'event', { eventId: `${PAGE}.e-refuse` }).fields.code, 'too_big');
        assert.equal(lineOf(logger, 'event', { eventId: `${PAGE}.e-crash` }).fields.outcome, 'failed');
        assert.equal(lineOf(logger, 'event', { eventId: `${PAGE}.e-unknown` }).fields.code, 'unknown_event');
        assert.equal(lineOf(logger, 'event', { outcome: 'refused', code: 'bad_json' }).fields.eventId, undefined);
        assert.equal(lineOf(logger, 'event', { eventId: `${PAGE}.e-notes` }).fields.instance, 'me', "the client's name, not the stored one");
        assert.equal(lineOf(logger, 'forbidden', { instance: 'x' }).level, 'warn');
        const replay = lineOf(logger, 'resume', { eventId: `${PAGE}.r-replay` });
        assert.deepEqual([replay.level, replay.fields.resume, replay.fields.fromRev, replay.fields.toRev, replay.fields.batches], ['info', 'replay', 1, 2, 1]);
        assert.equal(lineOf(logger, 'resume', { eventId: `${PAGE}.r-reset` }).fields.resume, 'reset');
        assert.equal(lineOf(logger, 'resume', { eventId: `${PAGE}.r-snapshot` }).fields.resume, 'snapshot');
        const opened = linesOf(logger, 'stream opened', { transport: T, clientId: 'client-a' });
        assert.equal(opened.length, 1);
        assert.equal(opened[0]!.fields.session, added.fields.session, 'a session has one tag, in every line');
        const closed = lineOf(logger, 'stream closed', { transport: T, clientId: 'client-b' });
        assert.equal(closed.fields.reason, T === 'sse' ? 'client went away' : 'client closed');
        assert.ok(linesOf(logger, 'request', { method: 'GET' }).length > 0, 'requests are logged at debug');
        if (T === 'sse') assert.ok(linesOf(logger, 'request', { method: 'POST', status: 202 }).length > 0);
        const cookie = sessionCookieFor(server.baseUrl)!;
        const secrets = [sessionIdOf(cookie), cookie.slice(cookie.indexOf('=') + 1), PAYLOAD_VALUE, PAGE];
        for (const entry of logger.entries) {
          const line = JSON.stringify(entry);
          for (const secret of secrets) assert.ok(!line.includes(secret), `a log line holds a secret: ${line}`);
        }
      });
    });
  }
}
