import { connect, type Socket } from 'node:net';

/** One response the poster read: its status and body. */
export interface PostResponse {
  status: number;
  body: string;
}

interface Pending {
  resolve: (response: PostResponse) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Opens a TCP socket to `host:port`. */
function openSocket(port: number, host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * A minimal keep-alive HTTP/1.1 client for JSON POSTs, one request at a time on one socket. Far cheaper per
 * request than `fetch` or `http.request`, so the load generator stays well ahead of the server it drives.
 * Reads `Content-Length` and chunked bodies (what Node servers send). After an answer with
 * `Connection: close` it opens a new socket for the next request, as a browser does, and counts it.
 */
export class HttpPoster {
  #socket: Socket;
  readonly #port: number;
  readonly #hostName: string;
  readonly #host: string;
  /** Sent as the `Cookie` header with every request once set (Nasc binds events to a session cookie). */
  cookie = '';
  /** Sockets opened again because the server answered with `Connection: close`. */
  reconnects = 0;
  #closing = false;
  #buffer = '';
  #pending: Pending | undefined;

  private constructor(socket: Socket, port: number, host: string) {
    this.#port = port;
    this.#hostName = host;
    this.#host = `${host}:${port}`;
    this.#socket = this.#adopt(socket);
  }

  /** Opens the socket. */
  static async connect(port: number, host = '127.0.0.1'): Promise<HttpPoster> {
    return new HttpPoster(await openSocket(port, host), port, host);
  }

  /** POSTs `body` as JSON and resolves with the response. One at a time. */
  async post(path: string, body: string): Promise<PostResponse> {
    if (this.#pending) throw new Error('HttpPoster: one request at a time');
    if (this.#closing) {
      this.#closing = false;
      this.#socket.destroy();
      this.#buffer = '';
      this.#socket = this.#adopt(await openSocket(this.#port, this.#hostName));
      this.reconnects += 1;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`POST ${path} timed out`)), REQUEST_TIMEOUT_MS);
      this.#pending = { resolve, reject, timer };
      const cookie = this.cookie ? `Cookie: ${this.cookie}\r\n` : '';
      this.#socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n${cookie}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #adopt(socket: Socket): Socket {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#parse();
    });
    // Only the socket in use fails a request: one the server closed after its last answer is done with.
    socket.on('error', (error) => socket === this.#socket && this.#fail(error));
    socket.on('close', () => socket === this.#socket && !this.#closing && this.#fail(new Error('connection closed')));
    return socket;
  }

  #parse(): void {
    const pending = this.#pending;
    if (!pending) return;
    const headEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.#buffer.slice(0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: string;
    let consumed: number;
    if (length) {
      consumed = headEnd + 4 + Number(length[1]);
      if (this.#buffer.length < consumed) return;
      body = this.#buffer.slice(headEnd + 4, consumed);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: string[] = [];
      let at = headEnd + 4;
      for (;;) {
        const lineEnd = this.#buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.#buffer.slice(at, lineEnd), 16);
        if (this.#buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          consumed = lineEnd + 4;
          break;
        }
        parts.push(this.#buffer.slice(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = parts.join('');
    } else {
      consumed = headEnd + 4;
      body = '';
    }
    this.#buffer = this.#buffer.slice(consumed);
    if (/\r\nconnection:\s*close/i.test(head)) this.#closing = true;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve({ status, body });
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.reject(error);
  }
}
