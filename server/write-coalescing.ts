/** The part of a Node socket that can hold writes back and send them as one. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  /** How many corks hold it now (Node's `writable.writableCorked`). */
  readonly writableCorked: number;
}

function release(socket: CorkableSocket): void {
  socket.uncork();
}

/**
 * Holds a socket's writes until the current tick's work is done (the next `process.nextTick`, after the
 * pending microtasks), so the frames written to it meanwhile leave in one `writev`: the events of one
 * WebSocket read are decoded together and answered in the same microtask run, so at 8 in flight a syscall
 * carries about 4–5 of them. This is what Node's own HTTP responses do for their writes. (SSE does not
 * use it: there a frame must leave before the event's 202, see `NodeSseSink`.)
 *
 * @example
 * coalesceWrites(tcpSocket);
 * webSocket.send(message);
 */
export function coalesceWrites(socket: CorkableSocket): void {
  // Already held, by an earlier frame of this tick (or by `ws` in the middle of writing one).
  if (socket.writableCorked > 0) return;
  socket.cork();
  process.nextTick(release, socket);
}
