/**
 * Helpers for the adversarial suite (`test/security/`): sessions of their own (a second browser, an
 * attacker), clients that send a chosen cookie, raw WebSocket handshakes, and checks on raw SSE bytes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import type { JsonObject } from '../../protocol/index.js';
import type { MessageQueue } from './message-queue.js';
import { postEvent, type PostReply } from './post-event.js';
import { isSnapshotOf, type ServerMessage } from './server-message.js';
import { SseClient } from './sse-client.js';
import type { TestServer } from './test-server.js';
import { refusalOfMessage, refusalOfReply, type OutgoingEvent, type Refusal, type TransportName } from './transport.js';
import { waitFor } from './wait-for.js';
import { WsClient } from './ws-client.js';

/** The session cookie's default name. */
export const SESSION_COOKIE = 'nasc_session';

/** A session the server issued: the `Cookie` header value to send, the raw `Set-Cookie`, and the session id. */
export interface IssuedSession {
  /** `nasc_session=v1.<id>.<mac>`: what a browser sends back. */
  cookie: string;
  /** The whole `Set-Cookie` header, attributes included. */
  setCookie: string;
  /** The session id inside the token. */
  session: string;
}

let issuedCount = 0;

/**
 * Gets a new session from the server, as a second browser would: `GET /nasc/events` without a cookie, read
 * `Set-Cookie`, drop the stream, and wait until the server has unregistered it (so it counts against no limit).
 *
 * @example
 * const attacker = await issueSession(server);
 * await postEvent(server.baseUrl, body, { cookie: attacker.cookie });
 */
export async function issueSession(server: TestServer): Promise<IssuedSession> {
  const before = server.nasc.engine.connectionCount;
  const clientId = `issue-${process.pid}-${++issuedCount}`;
  const response = await fetch(`${server.baseUrl}/nasc/events?clientId=${clientId}`, { headers: { Accept: 'text/event-stream' } });
  const setCookie = response.headers.get('Set-Cookie');
  await response.body?.cancel();
  if (response.status !== 200 || !setCookie) {
    throw new Error(`GET /nasc/events without a cookie answered ${response.status}, Set-Cookie ${String(setCookie)}`);
  }
  await waitFor(() => server.nasc.engine.connectionCount <= before, 'the stream that issued the session cookie is unregistered');
  const cookie = setCookie.split(';')[0]!;
  return { cookie, setCookie, session: sessionIdOf(cookie) };
}

/** The session id inside `nasc_session=v1.<id>.<mac>` (or the bare token). */
export function sessionIdOf(cookie: string): string {
  const token = cookie.includes('=') ? cookie.slice(cookie.indexOf('=') + 1) : cookie;
  const [version, id, mac] = token.split('.');
  if (version !== 'v1' || !id || !mac) throw new Error(`not a session token: ${cookie}`);
  return id;
}

/** A `Set-Cookie` header taken apart: name, value, and attributes by lower-case name (`true` for flags). */
export interface ParsedSetCookie {
  name: string;
  value: string;
  attributes: Map<string, string | true>;
}

export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair, ...rest] = header.split(';');
  const equals = pair!.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    if (at === -1) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, at).trim().toLowerCase(), trimmed.slice(at + 1).trim());
  }
  return { name: pair!.slice(0, equals).trim(), value: pair!.slice(equals + 1).trim(), attributes };
}

/** A client connected with a cookie of the test's choosing, over either transport. */
export interface CookieClient {
  readonly transport: TransportName;
  readonly clientId: string;
  readonly cookie: string | null | undefined;
  readonly messages: MessageQueue<ServerMessage>;
  readonly sse?: SseClient;
  readonly ws?: WsClient;
  /** Sends an event that must be taken (SSE: the POST answers 202). */
  send(event: OutgoingEvent): Promise<void>;
  /**
   * Sends input that must be refused and says how: a string as is, an object as JSON (POST adds this client's
   * `clientId` unless the object has that key). On WS the refusal must be the very next message.
   */
  refuse(body: string | Record<string, unknown>): Promise<Refusal>;
  /** Mounts and resolves with the snapshot batch answering it. */
  mount(type: string, instance: string, params?: JsonObject): Promise<ServerMessage>;
  close(): Promise<void>;
}

/** Options of {@link openAs}. */
export interface OpenAsOptions {
  /** Extra headers on the stream request (and on every POST). */
  headers?: Record<string, string>;
  /** Extra query parameters on the stream request, already encoded, e.g. `&lastEventId=…`. */
  query?: string;
}

/**
 * Opens a stream with `cookie` (`undefined`: the test server's own session; `null`: none) and waits for the
 * opening `[]`. Registered with `server.defer`, so it closes with the server.
 */
export async function openAs(
  transport: TransportName,
  server: TestServer,
  clientId: string,
  cookie: string | null | undefined,
  options: OpenAsOptions = {},
): Promise<CookieClient> {
  const headers = options.headers ?? {};
  const cookieOption = cookie === undefined ? {} : { cookie };
  let messages: MessageQueue<ServerMessage>;
  let sse: SseClient | undefined;
  let ws: WsClient | undefined;
  if (transport === 'sse') {
    const url = `${server.baseUrl}/nasc/events?clientId=${encodeURIComponent(clientId)}${options.query ?? ''}`;
    const stream = await SseClient.connect(url, { ...cookieOption, headers });
    sse = stream;
    server.defer(() => stream.close());
    messages = stream.messages;
  } else {
    const socket = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${encodeURIComponent(clientId)}${options.query ?? ''}`, {
      ...cookieOption,
      headers,
    });
    ws = socket;
    server.defer(() => socket.close());
    messages = socket.messages;
  }
  const greeting = await messages.next(undefined, undefined, 'the opening empty patch array');
  if (greeting.text !== '[]') throw new Error(`a stream must open with [], got ${greeting.text}`);

  const post = (body: string | object): Promise<PostReply> => postEvent(server.baseUrl, body, { ...cookieOption, headers });
  const client: CookieClient = {
    transport,
    clientId,
    cookie,
    messages,
    ...(sse ? { sse } : {}),
    ...(ws ? { ws } : {}),
    async send(event) {
      if (ws) return ws.send(JSON.stringify(event));
      const reply = await post({ ...event, clientId });
      if (reply.status !== 202) throw new Error(`POST ${JSON.stringify(event)} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    },
    async refuse(body) {
      if (ws) {
        await ws.send(typeof body === 'string' ? body : JSON.stringify(body));
        return refusalOfMessage(await ws.messages.next(undefined, undefined, 'the error patch answering a refused frame'));
      }
      const withClient = typeof body === 'string' || Object.hasOwn(body, 'clientId') ? body : { ...body, clientId };
      return refusalOfReply(withClient, await post(withClient));
    },
    async mount(type, instance, params = {}) {
      await client.send({ event: 'mount', type, instance, payload: params });
      return messages.next(isSnapshotOf(type, instance), undefined, `snapshot of ${type}/${instance}`);
    },
    async close() {
      if (sse) await sse.close();
      if (ws) await ws.close();
    },
  };
  return client;
}

/** What a WebSocket handshake answered: `101` and its headers, or the refusal's status and headers. */
export interface HandshakeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * Sends one WebSocket upgrade and reports the answer's status and headers (which `WsClient` does not keep),
 * closing the socket either way.
 */
export function handshake(url: string, headers: Record<string, string> = {}): Promise<HandshakeAnswer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    let answer: HandshakeAnswer | undefined;
    socket.on('upgrade', (response) => {
      answer = { status: response.statusCode ?? 0, headers: response.headers };
    });
    socket.once('unexpected-response', (_request, response) => {
      answer = { status: response.statusCode ?? 0, headers: response.headers };
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => socket.close(1000, 'handshake checked'));
    socket.on('error', () => undefined);
    socket.once('close', () => (answer ? resolve(answer) : reject(new Error(`no handshake answer from ${url}`))));
  });
}

/**
 * Checks raw SSE bytes line by line: every line is blank, `retry: <digits>`, a comment or `data: <JSON array>`,
 * never `id:` (no frame names a position), `event:` or anything else; no control character but the LF that
 * ends lines. Returns a description of the first bad line, or undefined when the stream is clean.
 */
export function findBadSseLine(raw: string): string | undefined {
  const lines = raw.split('\n');
  for (const [index, line] of lines.entries()) {
    const where = `line ${index}: ${JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line)}`;
    if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/u.test(line)) return `control character in ${where}`;
    if (line === '' || line.startsWith(':') || /^retry: \d+$/.test(line)) continue;
    if (line.startsWith('data: ')) {
      try {
        if (Array.isArray(JSON.parse(line.slice(6)))) continue;
      } catch {
        // Reported below.
      }
      return `data that is not a JSON array in ${where}`;
    }
    return `unexpected field in ${where}`;
  }
  return undefined;
}

/** Answers when the server still serves requests: `GET /nasc/manifest` gives 200 JSON. */
export async function serverAnswers(server: TestServer): Promise<boolean> {
  const response = await fetch(`${server.baseUrl}/nasc/manifest`);
  const body = await response.text();
  return response.status === 200 && typeof JSON.parse(body) === 'object';
}

const PRISTINE_PROTOTYPES: readonly [string, object, string[]][] = [
  ['Object.prototype', Object.prototype, Object.getOwnPropertyNames(Object.prototype)],
  ['Array.prototype', Array.prototype, Object.getOwnPropertyNames(Array.prototype)],
  ['Function.prototype', Function.prototype, Object.getOwnPropertyNames(Function.prototype)],
  ['String.prototype', String.prototype, Object.getOwnPropertyNames(String.prototype)],
];

/** Properties added to the built-in prototypes since this module loaded, plus `({}).polluted`; empty when clean. */
export function prototypePollution(): string[] {
  const found: string[] = [];
  for (const [name, prototype, names] of PRISTINE_PROTOTYPES) {
    for (const key of Object.getOwnPropertyNames(prototype)) if (!names.includes(key)) found.push(`${name}.${key}`);
  }
  const probe: Record<string, unknown> = {};
  for (const key of ['polluted', 'admin', 'isAdmin']) if (probe[key] !== undefined) found.push(`({}).${key}`);
  return found;
}

let snapshotCount = 0;

/**
 * The snapshot a new client of the test server's own session gets when it mounts `type`/`instance` (mounting
 * it if needed), as exact text: compare two of them to prove an instance did not change.
 */
export async function freshSnapshot(server: TestServer, type: string, instance: string): Promise<string> {
  const client = await openAs('sse', server, `snapshot-${process.pid}-${++snapshotCount}`, undefined);
  try {
    return (await client.mount(type, instance)).text;
  } finally {
    await client.close();
  }
}
