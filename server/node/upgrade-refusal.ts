import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, Refusals, retryAfterSeconds, type Refusal } from '../endpoints/refusal.js';

/** An `error`/`finish` listener that ends a socket; one function for every socket, so it captures nothing. */
export function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * Answers an upgrade request with a complete HTTP response (status line, JSON `{ error, code }` body with its
 * `Content-Length`, `Connection: close`) and closes the socket once it is written. Nothing else on the socket
 * speaks HTTP any more, so this is the only answer the client gets.
 */
export function refuseUpgrade(socket: Duplex, refusal: Refusal, setCookie?: string): void {
  // A client that vanished meanwhile must not turn a write error into an uncaught exception.
  if (!socket.listeners('error').includes(destroySocket)) socket.on('error', destroySocket);
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(refusal));
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  if (refusal.retryAfterMs !== undefined) lines.push(`Retry-After: ${retryAfterSeconds(refusal.retryAfterMs)}`);
  // A session issued on the way: the refused page keeps it, as it would from the Hono route.
  if (setCookie !== undefined) lines.push(`Set-Cookie: ${setCookie}`);
  // Destroyed once flushed, as `ws` does: a client that never closes its side must not hold the socket.
  socket.once('finish', destroySocket);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Answers 500 after an unexpected failure, saying nothing of it (its message may hold paths or internals). */
export function failUpgrade(socket: Duplex): void {
  try {
    refuseUpgrade(socket, Refusals.internal);
  } catch {
    socket.destroy();
  }
}
