/** The part of a Node socket that can hold writes back and send them as one. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

const held = new Set<CorkableSocket>();
let releaseScheduled = false;

function releaseAll(): void {
  releaseScheduled = false;
  // Copied first: an uncork may write, and a write callback may hold a socket again for the next round.
  const sockets = [...held];
  held.clear();
  for (const socket of sockets) socket.uncork();
}

/**
 * Holds a socket's writes until the event loop's check phase, so every frame written to it while this
 * round of I/O is handled (events a WebSocket pipelined, read together) leaves in one `writev` instead of one
 * syscall each: at 8 events in flight, about one syscall per 4–5 patches. The delay is the rest of the
 * current loop turn, microseconds. (SSE does not use it: there the event's 202 would overtake its patches.)
 *
 * @example
 * coalesceWrites(tcpSocket);
 * webSocket.send(message);
 */
export function coalesceWrites(socket: CorkableSocket): void {
  if (held.has(socket)) return;
  socket.cork();
  held.add(socket);
  if (releaseScheduled) return;
  releaseScheduled = true;
  setImmediate(releaseAll);
}
