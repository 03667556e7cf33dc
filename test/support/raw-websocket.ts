import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** One client→server WebSocket frame (always masked, as RFC 6455 requires of clients). */
export function maskedFrame(payload: Buffer, opcode: 'text' | 'binary' = 'text'): Buffer {
  const length = payload.length;
  const head = length < 126 ? Buffer.alloc(2) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | (opcode === 'text' ? 0x1 : 0x2);
  if (length < 126) head[1] = 0x80 | length;
  else if (length < 65_536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const body = Buffer.alloc(length);
  for (let index = 0; index < length; index++) body[index] = payload[index]! ^ mask[index % 4]!;
  return Buffer.concat([head, mask, body]);
}

/**
 * Opens a WebSocket by hand on 127.0.0.1:`port` and returns its TCP socket right after the 101, paused: a
 * client that never reads what the server sends. Rejects on any other answer.
 */
export function openNonReadingWebSocket(port: number, path: string, headers: Record<string, string> = {}): Promise<net.Socket> {
  const lines = Object.entries({
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    ...headers,
  }).map(([name, value]) => `${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`));
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      if (head.startsWith('HTTP/1.1 101 ')) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`expected 101, got ${JSON.stringify(head.slice(0, end))}`));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
