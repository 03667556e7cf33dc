import { connect, type Socket } from 'node:net';
import type { Transport } from './bench-session.js';

const OPEN_TIMEOUT_MS = 30_000;

/** An open raw stream and the session cookie its server set (`name=value`, or ''). */
export interface RawStream {
  socket: Socket;
  cookie: string;
}

/**
 * Opens one stream (`GET /nasc/events` or a `/nasc/ws` upgrade) on a bare socket and resolves once its first
 * message (`[]`) arrived, i.e. the server registered it. Nothing is parsed afterwards: `onData` gets the raw
 * bytes. WebSocket frames from a server are unmasked and SSE data is written as-is, so a receiver can look
 * for a marker in the bytes. This keeps thousands of idle or fan-out receivers cheap on the load generator's
 * core; the few clients that send events use {@link BenchSession}.
 */
export function openRawStream(
  port: number,
  transport: Transport,
  clientId: string,
  onData: (chunk: Buffer) => void = () => undefined,
): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let opened = false;
    const timer = setTimeout(() => fail(new Error('no first message within 30 s')), OPEN_TIMEOUT_MS);
    const fail = (error: Error): void => {
      if (opened) return;
      opened = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.setNoDelay(true);
    socket.once('connect', () => {
      const host = `Host: 127.0.0.1:${port}\r\n`;
      socket.write(
        transport === 'sse'
          ? `GET /nasc/events?clientId=${clientId} HTTP/1.1\r\n${host}Accept: text/event-stream\r\n\r\n`
          : `GET /nasc/ws?clientId=${clientId} HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (opened) {
        onData(chunk);
        return;
      }
      head += chunk.toString('latin1');
      const status = head.slice(9, 12);
      if (head.length >= 12 && status !== '200' && status !== '101') {
        fail(new Error(`stream refused: ${head.split('\r\n')[0]}`));
        return;
      }
      if (!head.includes('[]')) return;
      opened = true;
      clearTimeout(timer);
      const cookie = /\r\nset-cookie:\s*([^;\r\n]+)/i.exec(head.slice(0, head.indexOf('\r\n\r\n')));
      resolve({ socket, cookie: cookie?.[1] ?? '' });
    });
    socket.once('error', (error) => fail(error));
    socket.once('close', () => fail(new Error('closed before the first message')));
  });
}

/** Runs `task(i)` for i in 0…count−1 with at most `parallel` running at once; resolves with how many failed. */
export async function runBounded(count: number, parallel: number, task: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      try {
        await task(index);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return failed;
}

/**
 * Writes one text frame from a raw WebSocket client socket. Client frames must be masked; this one uses the
 * all-zero mask key (valid, and it leaves the payload bytes as they are).
 */
export function sendWsText(socket: Socket, text: string): void {
  const payload = Buffer.from(text, 'utf8');
  const length = payload.byteLength;
  const head =
    length < 126
      ? Buffer.from([0x81, 0x80 | length, 0, 0, 0, 0])
      : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
  if (length > 0xffff) throw new RangeError('sendWsText: frames up to 64 KiB');
  socket.write(Buffer.concat([head, payload]));
}
