import type { ClientEvent } from '../protocol/index.js';
import type { MessageQueue } from './message-queue.js';
import { postEvent } from './post-event.js';
import type { ServerMessage } from './server-message.js';
import { SseClient } from './sse-client.js';
import { WsClient } from './ws-client.js';

/** The two ways a page talks to Nasc. */
export type TransportName = 'sse' | 'ws';

/** Both transports, for `for (const transport of transports) …`: every test written once, run over each. */
export const transports: readonly TransportName[] = ['sse', 'ws'];

/** How the server refused an event before taking it: an HTTP answer over SSE+POST (an error patch over WS). */
export interface HttpRefusal {
  status: number;
  code: string;
  message: string;
  retryAfterMs?: number;
}

/** One open stream of a client, whichever the transport: its messages, and how to send on it. */
export interface ClientLink {
  readonly messages: MessageQueue<ServerMessage>;
  /** The session cookie the server issued when the stream opened (`name=value`), if it issued one. */
  readonly issuedCookie: string | undefined;
  /** Sends one event; an HTTP refusal of a POST comes back here, every other answer on the stream. */
  send(event: ClientEvent): Promise<HttpRefusal | undefined>;
  close(): Promise<void>;
}

/** Where a server's Nasc routes are: `http://127.0.0.1:<port>/nasc`. */
export interface Endpoints {
  readonly base: string;
}

function firstCookie(setCookie: string | null | undefined): string | undefined {
  return setCookie ? setCookie.split(';')[0] : undefined;
}

/** Opens a stream for `clientId` in the session of `cookie` (a new session when absent). */
export async function openLink(transport: TransportName, endpoints: Endpoints, clientId: string, cookie: string | undefined): Promise<ClientLink> {
  const query = `clientId=${encodeURIComponent(clientId)}`;
  if (transport === 'ws') {
    const ws = await WsClient.connect(`${endpoints.base.replace(/^http/, 'ws')}/ws?${query}`, { cookie: cookie ?? null });
    return {
      messages: ws.messages,
      issuedCookie: firstCookie(ws.setCookie),
      async send(event) {
        await ws.send(JSON.stringify(event));
        return undefined;
      },
      close: async () => void (await ws.close()),
    };
  }
  const sse = await SseClient.connect(`${endpoints.base}/events?${query}`, { cookie: cookie ?? null });
  const issuedCookie = firstCookie(sse.response.headers.get('set-cookie'));
  return {
    messages: sse.messages,
    issuedCookie,
    async send(event) {
      const reply = await postEvent(`${endpoints.base}/event`, { ...event, clientId }, { cookie: issuedCookie ?? cookie ?? null });
      if (reply.status === 202) return undefined;
      const { code, error } = reply.body;
      const refusal: HttpRefusal = { status: reply.status, code: String(code ?? `http_${reply.status}`), message: String(error ?? '') };
      const retryAfter = (reply.body as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof retryAfter === 'number') refusal.retryAfterMs = retryAfter;
      return refusal;
    },
    close: () => sse.close(),
  };
}
