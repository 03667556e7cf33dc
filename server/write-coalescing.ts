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
 * round of I/O is handled (events that arrived together, a fan-out) leaves in one `writev` instead of one
 * syscall each. On loopback and on busy servers the syscall, not the bytes, is the cost; the delay is the
 * rest of the current loop turn, microseconds.
 *
 * @example
 * coalesceWrites(response.socket);
 * response.write(frame);
 */
export function coalesceWrites(socket: CorkableSocket): void {
  if (held.has(socket)) return;
  socket.cork();
  held.add(socket);
  if (releaseScheduled) return;
  releaseScheduled = true;
  setImmediate(releaseAll);
}
