/**
 * One adapter over both transports, so every transport test is written once and run twice: `open` a client,
 * `send` events, read `messages` (`messages.next(predicate)`), `refuse` bad input. What differs (POST answers
 * versus `error` patches) stays in here.
 */
import type { ErrorPatch, JsonObject } from '../../protocol/index.js';
import type { MessageQueue } from './message-queue.js';
import { postEvent, type PostReply } from './post-event.js';
import { errorsOf, isSnapshotOf, type ServerMessage } from './server-message.js';
import { SseClient } from './sse-client.js';
import type { TestServer } from './test-server.js';
import { WsClient } from './ws-client.js';

/** The two ways a client talks to Nasc. */
export type TransportName = 'sse' | 'ws';

/** An event as a test writes it: the wire fields, `payload` optional. */
export interface OutgoingEvent {
  event: string;
  type: string;
  instance: string;
  payload?: JsonObject;
  eventId?: string;
  rev?: number;
}

/** How a transport refused input: the HTTP answer (SSE+POST) or the `error` patch (WS), reduced to one shape. */
export interface Refusal {
  code: string;
  message: string;
  /** HTTP status of the POST; absent on WS. */
  status?: number;
  eventId?: string;
  /** The error patch itself; absent on POST. */
  patch?: ErrorPatch;
}

/** The refusal a POST of `sent` was answered with; throws if it was accepted or the body is not `{error, code}`. */
export function refusalOfReply(sent: unknown, reply: PostReply): Refusal {
  if (reply.status === 202) throw new Error(`POST ${JSON.stringify(sent)} was accepted, expected a refusal`);
  const { code, error } = reply.body;
  if (typeof code !== 'string' || typeof error !== 'string') {
    throw new Error(`a refusal must answer {error, code}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  const refusal: Refusal = { code, message: error, status: reply.status };
  if (reply.body.eventId !== undefined) refusal.eventId = reply.body.eventId;
  return refusal;
}

/** The refusal a WS frame was answered with: a message holding exactly one `error` patch, or this throws. */
export function refusalOfMessage(message: ServerMessage): Refusal {
  const [patch, ...rest] = errorsOf(message);
  if (!patch || rest.length > 0 || message.patches.length !== 1) throw new Error(`expected exactly one error patch, got ${message.text}`);
  const refusal: Refusal = { code: String(patch.code), message: patch.message, patch };
  if (patch.eventId !== undefined) refusal.eventId = patch.eventId;
  return refusal;
}

interface SessionBase {
  readonly clientId: string;
  /** Every patch array the server sent this client, in order. */
  readonly messages: MessageQueue<ServerMessage>;
  /** Sends an event. SSE: `POST /nasc/event`, which must answer 202 (the event is applied when it resolves). */
  send(event: OutgoingEvent): Promise<void>;
  /**
   * Sends an event already encoded as text, byte for byte (a POST body must then hold `clientId` itself).
   * SSE: the POST must answer 202.
   */
  sendText(text: string): Promise<void>;
  /**
   * Sends input that must be refused and says how. A string goes out as is; an object as JSON (POST adds
   * this session's `clientId` unless the object has that key). On WS the refusal must be the very next message.
   */
  refuse(body: string | Record<string, unknown>): Promise<Refusal>;
  /** Mounts an instance and resolves with the snapshot batch that answers it. */
  mount(type: string, instance: string, params?: JsonObject): Promise<ServerMessage>;
  close(): Promise<void>;
}

/** An SSE stream plus `POST /nasc/event`. */
export interface SseSession extends SessionBase {
  readonly transport: 'sse';
  readonly sse: SseClient;
}

/** One WebSocket. */
export interface WsSession extends SessionBase {
  readonly transport: 'ws';
  readonly ws: WsClient;
}

/** A client connected over either transport. */
export type Session = SseSession | WsSession;

/** Opens sessions of one transport; the session closes with the server unless closed first. */
export interface Transport {
  readonly name: TransportName;
  open(server: TestServer, clientId: string): Promise<Session>;
}

/**
 * Waits for the empty patch array every stream starts with, which proves messages really flow (no proxy
 * buffering), and leaves the queue at the first message that means something.
 */
async function expectGreeting(messages: MessageQueue<ServerMessage>): Promise<void> {
  const greeting = await messages.next(undefined, undefined, 'the opening empty patch array');
  if (greeting.text !== '[]') throw new Error(`a stream must open with an empty patch array, got ${greeting.text}`);
}

function mountEvent(type: string, instance: string, params: JsonObject = {}): OutgoingEvent {
  return { event: 'mount', type, instance, payload: params };
}

/** SSE down (`GET /nasc/events`), POST up (`POST /nasc/event`). */
export const sseTransport: Transport = {
  name: 'sse',
  async open(server, clientId) {
    const url = `${server.baseUrl}/nasc/events?clientId=${encodeURIComponent(clientId)}`;
    const sse = await SseClient.connect(url);
    server.defer(() => sse.close());
    await expectGreeting(sse.messages);
    const session: SseSession = {
      transport: 'sse',
      clientId,
      sse,
      messages: sse.messages,
      async send(event) {
        const reply = await postEvent(server.baseUrl, { ...event, clientId });
        if (reply.status !== 202) {
          throw new Error(`POST ${JSON.stringify(event)} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
        }
      },
      async sendText(text) {
        const reply = await postEvent(server.baseUrl, text);
        if (reply.status !== 202) throw new Error(`POST answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      },
      async refuse(body) {
        const withClient = typeof body === 'string' || Object.hasOwn(body, 'clientId') ? body : { ...body, clientId };
        return refusalOfReply(withClient, await postEvent(server.baseUrl, withClient));
      },
      async mount(type, instance, params) {
        await session.send(mountEvent(type, instance, params));
        return sse.messages.next(isSnapshotOf(type, instance), undefined, `snapshot of ${type}/${instance}`);
      },
      close: () => sse.close(),
    };
    return session;
  },
};

/** Events and patches over one WebSocket (`GET /nasc/ws`). */
export const wsTransport: Transport = {
  name: 'ws',
  async open(server, clientId) {
    const ws = await WsClient.connect(`${server.wsBaseUrl}/nasc/ws?clientId=${encodeURIComponent(clientId)}`);
    server.defer(() => ws.close());
    await expectGreeting(ws.messages);
    const session: WsSession = {
      transport: 'ws',
      clientId,
      ws,
      messages: ws.messages,
      send: (event) => ws.send(JSON.stringify(event)),
      sendText: (text) => ws.send(text),
      async refuse(body) {
        await ws.send(typeof body === 'string' ? body : JSON.stringify(body));
        return refusalOfMessage(await ws.messages.next(undefined, undefined, 'the error patch answering a refused frame'));
      },
      async mount(type, instance, params) {
        await session.send(mountEvent(type, instance, params));
        return ws.messages.next(isSnapshotOf(type, instance), undefined, `snapshot of ${type}/${instance}`);
      },
      async close() {
        await ws.close();
      },
    };
    return session;
  },
};

/** Both transports, for `for (const transport of transports) describe(transport.name, ...)`. */
export const transports: readonly Transport[] = [sseTransport, wsTransport];
