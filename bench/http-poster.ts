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

/**
 * A minimal keep-alive HTTP/1.1 client for JSON POSTs, one request at a time on one socket. Far cheaper per
 * request than `fetch` or `http.request`, so the load generator stays well ahead of the server it drives.
 * Reads `Content-Length` and chunked bodies (what Node servers send).
 */
export class HttpPoster {
  readonly #socket: Socket;
  readonly #host: string;
  /** Sent as the `Cookie` header with every request once set (Nasc binds events to a session cookie). */
  cookie = '';
  #buffer = '';
  #pending: Pending | undefined;

  private constructor(socket: Socket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#parse();
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  /** Opens the socket. */
  static connect(port: number, host = '127.0.0.1'): Promise<HttpPoster> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        resolve(new HttpPoster(socket, `${host}:${port}`));
      });
      socket.once('error', reject);
    });
  }

  /** POSTs `body` as JSON and resolves with the response. One at a time. */
  post(path: string, body: string): Promise<PostResponse> {
    if (this.#pending) return Promise.reject(new Error('HttpPoster: one request at a time'));
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
