import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { CommonRefusals, errorBody, retryAfterSeconds } from '../endpoints/refusal.js';

/** An HTTP refusal of a WebSocket upgrade, written on the raw socket. */
export interface UpgradeRefusal {
  status: number;
  code: string;
  message: string;
  /** When to try again: sent as `Retry-After` (whole seconds). */
  retryAfterMs?: number;
  /** A session issued on the way: the refused page keeps it, as it would from the Hono route. */
  setCookie?: string;
}

/** An `error`/`finish` listener that ends a socket; one function for every socket, so it captures nothing. */
export function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * Answers an upgrade request with a complete HTTP response (status line, JSON `{ error, code }` body with its
 * `Content-Length`, `Connection: close`) and closes the socket once it is written. Nothing else on the socket
 * speaks HTTP any more, so this is the only answer the client gets.
 */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  // A client that vanished meanwhile must not turn a write error into an uncaught exception.
  if (!socket.listeners('error').includes(destroySocket)) socket.on('error', destroySocket);
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(refusal.code, refusal.message));
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  if (refusal.retryAfterMs !== undefined) lines.push(`Retry-After: ${retryAfterSeconds(refusal.retryAfterMs)}`);
  if (refusal.setCookie !== undefined) lines.push(`Set-Cookie: ${refusal.setCookie}`);
  // Destroyed once flushed, as `ws` does: a client that never closes its side must not hold the socket.
  socket.once('finish', destroySocket);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Answers 500 after an unexpected failure, saying nothing of it (its message may hold paths or internals). */
export function failUpgrade(socket: Duplex): void {
  try {
    refuseUpgrade(socket, CommonRefusals.internal);
  } catch {
    socket.destroy();
  }
}
