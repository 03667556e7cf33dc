/**
 * A bounded, seeded fuzz run over both event endpoints (`POST /nasc/event`, WS text and binary frames) and
 * the stream endpoints' ids and cursors: random JSON values, random bytes (invalid UTF-8 too), random event
 * shapes with random ids, mutations of a well-formed event. Every answer must be a 4xx JSON refusal (or an
 * `error` patch), never a 5xx or an acceptance; afterwards the server still answers, no stream is left behind,
 * and the mounted instance is exactly as before.
 *
 * Replay a run with `NASC_FUZZ_SEED=<seed>` (the seed is printed as a test diagnostic).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findBadSseLine, openAs, prototypePollution, serverAnswers, type CookieClient } from '../support/adversary.js';
import { acks, errorsOf, type ServerMessage } from '../support/server-message.js';
import { sessionCookieFor } from '../support/session-cookies.js';
import { SseClient, SseRefusedError } from '../support/sse-client.js';
import { createTestApp, EXPECTED_EVENTS, type TestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { WsClient, WsHandshakeError } from '../support/ws-client.js';

const SEED = Number(process.env.NASC_FUZZ_SEED ?? Date.now() % 2 ** 32) >>> 0;
const RUNS_PER_ENDPOINT = 1_000;
const STREAM_RUNS = 150;
const MAX_BODY = 4096;
const TARGET = 'target';

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}

type Random = ReturnType<typeof createRandom>;

/** Every name that would make an event acceptable: the fuzzer must never send one, or state could change. */
const ACCEPTABLE_EVENTS = new Set(['mount', 'unmount', ...EXPECTED_EVENTS.Doc, ...EXPECTED_EVENTS.Board]);

const KNOWN_IDS = ['Doc', 'Board', TARGET, 'mount', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '_private', 'fuzzer'];
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  '\u0000', '\r', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\u202e', '\ud800', '\udfff',
  'é', 'ß', '中', '😀', 'data: ', 'id: ', 'event: ', '%0A', '%00', '\\', '"',
];

function randomString(random: Random, maxLength = 24): string {
  const length = random.chance(0.05) ? 195 + random.int(20) : random.int(maxLength + 1);
  let text = '';
  for (let i = 0; i < length; i++) text += random.pick(ALPHABET);
  return text;
}

function randomId(random: Random): string {
  const id = random.chance(0.4) ? random.pick(KNOWN_IDS) : randomString(random);
  return random.chance(0.1) ? `${id}${random.pick(['\n', '\r\n', '\u0000', '\u2028', ' '])}` : id;
}

/** JSON text of a random value; keys may be prototype keys or repeat (which no JS object could express). */
function randomJsonText(random: Random, depth = 0): string {
  const kind = random.int(depth > 3 ? 4 : 7);
  switch (kind) {
    case 0:
      return random.pick(['null', 'true', 'false']);
    case 1:
      return random.pick(['0', '-0', '1', '-1', '1.5', '1e308', '-1e-308', '9007199254740993', '123456789012345678901234567890', String(random.int(1e6))]);
    case 2:
      return JSON.stringify(randomString(random));
    case 3:
      return JSON.stringify(randomId(random));
    case 4:
    case 5: {
      const entries: string[] = [];
      for (let i = random.int(5); i > 0; i--) {
        const key = random.chance(0.1)
          ? random.pick(['__proto__', 'constructor', 'prototype'])
          : random.chance(0.5)
            ? randomId(random)
            : randomString(random, 8);
        entries.push(`${JSON.stringify(key)}:${randomJsonText(random, depth + 1)}`);
      }
      return `{${entries.join(',')}}`;
    }
    default: {
      const items: string[] = [];
      for (let i = random.int(5); i > 0; i--) items.push(randomJsonText(random, depth + 1));
      return `[${items.join(',')}]`;
    }
  }
}

/** A value for an id field: usually a string (possibly hostile), sometimes any JSON. */
function randomIdField(random: Random, field: string): string {
  const text = random.chance(0.2) ? randomJsonText(random, 2) : JSON.stringify(randomId(random));
  if (field !== 'event') return text;
  const value: unknown = JSON.parse(text);
  return typeof value === 'string' && ACCEPTABLE_EVENTS.has(value) ? JSON.stringify(`${value}!`) : text;
}

/** An object that looks more or less like an event; never one the server would accept. */
function randomEventText(random: Random, withClientId: boolean): string {
  const fields: string[] = [];
  for (const field of ['event', 'type', 'instance']) {
    if (random.chance(0.9)) fields.push(`"${field}":${randomIdField(random, field)}`);
  }
  if (!fields.some((field) => field.startsWith('"event"'))) {
    // Without an event name nothing is acceptable anyway; keep the shape interesting.
    if (random.chance(0.5)) fields.push(`"event":${JSON.stringify(`${randomString(random, 6)}?`)}`);
  }
  if (random.chance(0.8)) fields.push(`"payload":${random.chance(0.7) ? randomJsonText(random, 1) : '{}'}`);
  if (random.chance(0.4)) fields.push(`"eventId":${randomIdField(random, 'eventId')}`);
  if (random.chance(0.2)) fields.push(`"rev":${randomJsonText(random, 3)}`);
  if (withClientId && random.chance(0.9)) fields.push(`"clientId":${random.chance(0.5) ? '"fuzzer"' : randomIdField(random, 'clientId')}`);
  if (random.chance(0.1)) fields.push(`${JSON.stringify(randomString(random, 8))}:${randomJsonText(random, 2)}`);
  for (let i = fields.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  return `{${fields.join(',')}}`;
}

/** A well-formed event for an event no handler has; a few bytes changed, added or removed. */
function mutatedEventBytes(random: Random, withClientId: boolean): Uint8Array<ArrayBuffer> {
  const template = JSON.stringify({
    event: 'zzzzzzzzzzzz',
    type: 'Doc',
    instance: TARGET,
    payload: { a: [1, 2, { b: 'c' }], n: null },
    eventId: 'fuzz-event',
    ...(withClientId ? { clientId: 'fuzzer' } : {}),
  });
  const bytes = [...new TextEncoder().encode(template)];
  for (let i = 1 + random.int(4); i > 0; i--) {
    const at = random.int(bytes.length);
    const action = random.int(3);
    if (action === 0) bytes[at] = random.int(256);
    else if (action === 1) bytes.splice(at, 0, random.int(256));
    else bytes.splice(at, 1);
  }
  return Uint8Array.from(bytes);
}

function randomBytes(random: Random): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(random.chance(0.05) ? MAX_BODY + random.int(64) : random.int(300));
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
  return bytes;
}

/** `encodeURIComponent`, which throws on a lone surrogate: those become U+FFFD first. */
function encodeQuery(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** One fuzz input: a label for failure messages and the bytes to send. */
interface FuzzInput {
  kind: string;
  bytes: Uint8Array<ArrayBuffer>;
}

function nextInput(random: Random, withClientId: boolean): FuzzInput {
  const encode = (text: string) => new TextEncoder().encode(text);
  const roll = random.next();
  if (roll < 0.25) return { kind: 'random JSON value', bytes: encode(randomJsonText(random)) };
  if (roll < 0.7) return { kind: 'random event shape', bytes: encode(randomEventText(random, withClientId)) };
  if (roll < 0.85) return { kind: 'mutated event', bytes: mutatedEventBytes(random, withClientId) };
  return { kind: 'random bytes', bytes: randomBytes(random) };
}

function describeInput(index: number, input: FuzzInput): string {
  const text = Buffer.from(input.bytes).toString('utf8');
  return `seed ${SEED}, input ${index} (${input.kind}): ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`;
}

describe(`fuzzing the event endpoints (seed ${SEED})`, () => {
  let app: TestApp;
  let server: TestServer;
  let observer: CookieClient;
  let baseline: string;

  before(async () => {
    app = createTestApp();
    server = await startTestServer({ handlers: app.handlers, schemas: app.schemas, maxBodyBytes: MAX_BODY });
    observer = await openAs('sse', server, 'observer', undefined);
    await observer.mount('Doc', TARGET);
    await observer.send({ event: 'increment', type: 'Doc', instance: TARGET, payload: {}, eventId: 'setup' });
    await observer.messages.next(acks('setup'));
    baseline = await snapshotOfTarget();
  });
  after(() => server.close());

  let snapshots = 0;
  async function snapshotOfTarget(): Promise<string> {
    const fresh = await openAs('sse', server, `snapshot-${++snapshots}`, undefined);
    const text = (await fresh.mount('Doc', TARGET)).text;
    await fresh.close();
    return text;
  }

  test(`${RUNS_PER_ENDPOINT} random POST /nasc/event bodies → always a 4xx JSON refusal`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with NASC_FUZZ_SEED=${SEED})`);
    const random = createRandom(SEED);
    const cookie = sessionCookieFor(server.baseUrl)!;
    const statuses = new Map<number, number>();
    for (let index = 0; index < RUNS_PER_ENDPOINT; index++) {
      const input = nextInput(random, true);
      const headers: Record<string, string> = {};
      if (!random.chance(0.03)) headers.Cookie = cookie;
      const oddTypes = ['text/plain', 'application/json; charset=utf-16', 'application/json;;', ''];
      headers['Content-Type'] = random.chance(0.95) ? 'application/json' : random.pick(oddTypes);
      const response = await fetch(`${server.baseUrl}/nasc/event`, { method: 'POST', headers, body: input.bytes });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `${describeInput(index, input)} → ${response.status} ${text.slice(0, 200)}`;
      assert.ok(response.status >= 400 && response.status < 500, where);
      assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/, where);
      const body = JSON.parse(text) as { error?: unknown; code?: unknown };
      assert.ok(typeof body.error === 'string' && typeof body.code === 'string', where);
    }
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  test(`${RUNS_PER_ENDPOINT} random WebSocket frames (text, binary, invalid UTF-8) → always one error patch, or a close for invalid UTF-8`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with NASC_FUZZ_SEED=${SEED})`);
    const random = createRandom(SEED ^ 0x9e3779b9);
    const url = `${server.wsBaseUrl}/nasc/ws?clientId=ws-fuzzer`;
    const connect = async (): Promise<WsClient> => {
      const socket = await WsClient.connect(url);
      server.defer(() => socket.close());
      await socket.messages.next(undefined, undefined, 'the greeting');
      return socket;
    };
    let socket = await connect();
    const codes = new Map<string, number>();
    let reconnects = 0;
    for (let index = 0; index < RUNS_PER_ENDPOINT; index++) {
      const input = nextInput(random, false);
      const binary = random.chance(0.1);
      const where = describeInput(index, input);
      if (!binary && !isValidUtf8(input.bytes)) {
        if (random.chance(0.8)) continue;
        // A text frame that is not UTF-8: the WebSocket layer itself must close the socket (1007), nothing more.
        socket.socket.send(input.bytes, { binary: false });
        const closed = await socket.closed;
        assert.equal(closed.code, 1007, `${where}: closed with ${closed.code}`);
        reconnects += 1;
        socket = await connect();
        continue;
      }
      await socket.send(binary ? input.bytes : Buffer.from(input.bytes).toString('utf8'));
      const answer: ServerMessage = await socket.messages.next(undefined, undefined, `the answer to ${where}`);
      const errors = errorsOf(answer);
      assert.ok(errors.length === 1 && answer.patches.length === 1, `${where} → ${answer.text}`);
      const code = String(errors[0]!.code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.notEqual(code, 'internal', `${where} → ${answer.text}`);
      if (binary) assert.equal(code, 'binary_frame', where);
    }
    await socket.close();
    t.diagnostic(`codes: ${JSON.stringify(Object.fromEntries(codes))}, reconnects after invalid UTF-8: ${reconnects}`);
  });

  test(`${STREAM_RUNS} random client ids and cursors on GET /events and the WS upgrade → 200/101 or 400, clean frames`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with NASC_FUZZ_SEED=${SEED})`);
    const random = createRandom(SEED ^ 0x85ebca6b);
    const randomCursor = (): string => {
      const entries: string[] = [];
      for (let i = random.int(4); i > 0; i--) {
        const type = random.pick(['Doc', 'Board', 'Nope', '%44oc']);
        entries.push(random.chance(0.5) ? `${type}/${encodeQuery(randomId(random))}@${random.int(5)}` : randomString(random, 12));
      }
      return entries.join(random.pick([' ', '  ', '\n', '']));
    };
    for (let index = 0; index < STREAM_RUNS; index++) {
      const clientId = random.chance(0.7) ? `fuzz-stream-${index}` : randomId(random);
      const cursor = randomCursor();
      const where = `seed ${SEED}, stream ${index}: clientId ${JSON.stringify(clientId)}, cursor ${JSON.stringify(cursor)}`;
      if (random.chance(0.5)) {
        const url = `${server.baseUrl}/nasc/events?clientId=${encodeQuery(clientId)}&lastEventId=${encodeQuery(cursor)}`;
        try {
          const stream = await SseClient.connect(url);
          await stream.messages.next(undefined, undefined, `the greeting (${where})`);
          await stream.close();
          const bad = findBadSseLine(stream.raw);
          assert.equal(bad, undefined, `${where}: ${bad}`);
        } catch (error) {
          assert.ok(error instanceof SseRefusedError, `${where}: ${String(error)}`);
          assert.equal(error.status, 400, `${where}: ${error.body}`);
        }
      } else {
        try {
          const socket = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${encodeQuery(clientId)}&cursor=${encodeQuery(cursor)}`);
          await socket.messages.next(undefined, undefined, `the greeting (${where})`);
          await socket.close();
        } catch (error) {
          assert.ok(error instanceof WsHandshakeError, `${where}: ${String(error)}`);
          assert.equal(error.status, 400, where);
        }
      }
    }
  });

  test('afterwards: the server answers, no stream is left behind, the target and the observer saw nothing', async () => {
    assert.ok(await serverAnswers(server), `seed ${SEED}: the server stopped answering`);
    await waitFor(() => server.nasc.engine.connectionCount === 1, `seed ${SEED}: only the observer is still connected`);
    await observer.send({ event: 'same', type: 'Doc', instance: TARGET, payload: {}, eventId: 'after-fuzz' });
    const next = await observer.messages.next();
    assert.ok(acks('after-fuzz')(next), `seed ${SEED}: the observer got something from the fuzzer: ${next.text}`);
    assert.equal(await snapshotOfTarget(), baseline, `seed ${SEED}: the target instance changed`);
    assert.deepEqual(
      app.eventCalls.map((call) => call.eventId),
      ['setup', 'after-fuzz'],
      `seed ${SEED}: a fuzz input reached a handler`,
    );
    assert.deepEqual(app.mountCalls.map((call) => call.instance), [TARGET], `seed ${SEED}: a fuzz input created an instance`);
    assert.deepEqual(prototypePollution(), [], `seed ${SEED}`);
  });
});
