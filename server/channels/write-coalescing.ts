/** The part of a Node socket that can hold writes back and send them as one. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  /** How many corks hold it now (Node's `writable.writableCorked`). */
  readonly writableCorked: number;
  /** Bytes written and not yet handed to the kernel (Node's `writable.writableLength`). */
  readonly writableLength: number;
}

/**
 * Held bytes past which a socket's writes leave at once: coalescing is for many small frames, and bytes held
 * back count as unsent, so a burst (a resume replaying the log) would otherwise look like a slow client.
 */
export const MAX_HELD_BYTES = 16 * 1024;

function release(socket: CorkableSocket): void {
  socket.uncork();
}

/**
 * Holds a socket's writes until the current tick's work is done (the next `process.nextTick`, after the
 * pending microtasks), so the frames written to it meanwhile leave in one `writev`: the events of one
 * WebSocket read are decoded together and answered in the same microtask run, so at 8 in flight a syscall
 * carries about 4–5 of them. This is what Node's own HTTP responses do for their writes. Past
 * {@link MAX_HELD_BYTES} what is held leaves at once. (SSE holds its frames per loop turn instead, because
 * its events come in separate callbacks: see `TurnWrites`.)
 *
 * @example
 * coalesceWrites(tcpSocket);
 * webSocket.send(message);
 */
export function coalesceWrites(socket: CorkableSocket): void {
  // Already held, by an earlier frame of this tick (or by `ws` in the middle of writing one).
  if (socket.writableCorked > 0) {
    if (socket.writableLength >= MAX_HELD_BYTES) {
      // Send what is held and keep holding: the release already scheduled undoes this cork.
      socket.uncork();
      socket.cork();
    }
    return;
  }
  socket.cork();
  process.nextTick(release, socket);
}
