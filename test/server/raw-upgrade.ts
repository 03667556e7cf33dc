/**
 * A WebSocket upgrade request written by hand on a TCP socket, and the answer read byte for byte: what a
 * refusal really looks like on the wire (status line, headers, body, and whether the server closed).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { DEFAULT_TIMEOUT_MS } from '../support/message-queue.js';

/** The server's answer to a raw upgrade request. */
export interface RawAnswer {
  status: number;
  /** Header values by lower-case name, in order. */
  headers: Map<string, string[]>;
  /** The body as text (empty for a 101). */
  body: string;
  /** Everything received, as text. */
  raw: string;
}

/** Options of {@link rawUpgrade}. */
export interface RawUpgradeOptions {
  /** Extra or replacing header lines, e.g. `{ Origin: 'https://evil.example' }`; `null` drops a default one. */
  headers?: Record<string, string | null>;
  method?: string;
}

/** The first value of a header, or undefined. */
export function headerOf(answer: RawAnswer, name: string): string | undefined {
  return answer.headers.get(name.toLowerCase())?.[0];
}

function parse(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { status, headers, body: end < 0 ? '' : raw.slice(end + 4), raw };
}

/**
 * Sends `GET path` as a WebSocket upgrade to 127.0.0.1:`port` and resolves with the answer: at the end of the
 * head for a 101 (the socket is then cut), or when the server closes the socket for anything else. Rejects if
 * neither happens in time, so a server that leaves a refused socket open fails the test.
 */
export function rawUpgrade(port: number, path: string, options: RawUpgradeOptions = {}): Promise<RawAnswer> {
  const defaults: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
  };
  const lines = Object.entries({ ...defaults, ...options.headers })
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}`);
  const request = `${options.method ?? 'GET'} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${path} within ${DEFAULT_TIMEOUT_MS} ms; got ${JSON.stringify(raw)}`));
    }, DEFAULT_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.startsWith('HTTP/1.1 101 ') && raw.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(parse(raw));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      if (!raw.startsWith('HTTP/1.1 101 ')) resolve(parse(raw));
    });
    socket.write(request);
  });
}
