import { WebSocket, type RawData } from 'ws';
import { MessageQueue } from './message-queue.js';
import { parseServerMessage, type ServerMessage } from './server-message.js';

/** How a socket ended. */
export interface WsCloseInfo {
  code: number;
  reason: string;
}

/** The server answered the upgrade with an HTTP status instead of switching protocols. */
export class WsHandshakeError extends Error {
  readonly status: number;

  constructor(status: number) {
    super(`WebSocket upgrade refused with ${status}`);
    this.name = 'WsHandshakeError';
    this.status = status;
  }
}

/** How long a polite close may take before the socket is cut; only reached when the server is stuck. */
const CLOSE_GRACE_MS = 5_000;

/**
 * A WebSocket client on the `ws` package with the same waiting API as the SSE client: every text frame is
 * parsed as a patch array into {@link WsClient.messages}.
 *
 * @example
 * const ws = await WsClient.connect(`ws://127.0.0.1:${port}/nasc/ws?clientId=c1`);
 * await ws.send(JSON.stringify({ event: 'mount', type: 'Doc', instance: 'a', payload: {} }));
 * const snapshot = await ws.messages.next();
 * await ws.close();
 */
export class WsClient {
  readonly socket: WebSocket;
  readonly messages = new MessageQueue<ServerMessage>('WS messages');
  /** Resolves when the socket is closed, with the close code the client saw. */
  readonly closed: Promise<WsCloseInfo>;
  /** Socket-level errors, e.g. a reset while the server cuts an oversized frame. */
  readonly errors: Error[] = [];
  /** The `Set-Cookie` of the `101` answer, if the server issued a session there. */
  readonly setCookie: string | undefined;

  private constructor(socket: WebSocket, closed: Promise<WsCloseInfo>, setCookie: string | undefined) {
    this.socket = socket;
    this.closed = closed;
    this.setCookie = setCookie;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.messages.end('the server sent a binary frame, which the protocol never does');
        return;
      }
      this.messages.push(parseServerMessage(rawToText(data)));
    });
    void closed.then(({ code }) => this.messages.end(`socket closed with ${code}`));
  }

  /**
   * Opens a socket; resolves once it is open, rejects with {@link WsHandshakeError} when the upgrade is refused.
   * `cookie` is the Cookie header (`name=value`), none when absent or `null`.
   */
  static connect(url: string, options: { cookie?: string | null; headers?: Record<string, string> } = {}): Promise<WsClient> {
    const socket = new WebSocket(url, { headers: { ...(options.cookie ? { Cookie: options.cookie } : {}), ...options.headers } });
    const errors: Error[] = [];
    let setCookie: string | undefined;
    socket.on('error', (error) => errors.push(error));
    socket.once('upgrade', (response) => {
      const header = response.headers['set-cookie'];
      setCookie = Array.isArray(header) ? header[0] : header;
    });
    const closed = new Promise<WsCloseInfo>((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    return new Promise<WsClient>((resolve, reject) => {
      socket.once('open', () => {
        const client = new WsClient(socket, closed, setCookie);
        client.errors.push(...errors);
        socket.on('error', (error) => client.errors.push(error));
        resolve(client);
      });
      socket.once('unexpected-response', (_request, response) => {
        reject(new WsHandshakeError(response.statusCode ?? 0));
        // With this listener attached, `ws` leaves the refused request to us.
        socket.terminate();
      });
      void closed.then(({ code }) => reject(new Error(`WebSocket closed (${code}) before opening: ${errors.map(String).join('; ')}`)));
    });
  }

  /** Sends one frame (text for a string, binary for bytes); resolves once it was handed to the socket. */
  send(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Closes politely (1000) and waits until the socket is gone. */
  async close(): Promise<WsCloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000, 'test done');
      const cut = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
      const info = await this.closed;
      clearTimeout(cut);
      return info;
    }
    return this.closed;
  }
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
