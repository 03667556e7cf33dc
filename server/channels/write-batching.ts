/**
 * Write batching: holding a socket's writes back a moment so that the frames produced together leave in one
 * `writev` (one pass through the TCP stack, one wake-up of the reader) instead of one each. One idea, with
 * the moment to release chosen by where the frames come from: a WebSocket's answers to the events of one
 * socket read are produced in one tick ({@link batchUntilTickEnd}); an SSE stream's frames answer POSTs,
 * each its own I/O callback, so they are held to the end of the event-loop turn ({@link TurnBatching}).
 * Past {@link MAX_HELD_BYTES} what is held leaves at once: coalescing is for many small frames, and held
 * bytes count as unsent, so a burst (a mount replaying the log) would otherwise look like a slow client.
 */

/** The part of a Node socket that can hold writes back and send them as one. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  /** How many corks hold it now (Node's `writable.writableCorked`). */
  readonly writableCorked: number;
  /** Bytes written and not yet handed to the kernel (Node's `writable.writableLength`). */
  readonly writableLength: number;
}

/** Held bytes past which a socket's writes leave at once. */
export const MAX_HELD_BYTES = 16 * 1024;

function release(socket: CorkableSocket): void {
  socket.uncork();
}

/**
 * Holds a socket's writes until the current tick's work is done (the next `process.nextTick`, after the
 * pending microtasks), so the frames written to it meanwhile leave in one `writev`: the events of one
 * WebSocket read are decoded together and answered in the same microtask run, so at 8 in flight a syscall
 * carries several of them. This is what Node's own HTTP responses do for their writes.
 *
 * @example
 * batchUntilTickEnd(tcpSocket);
 * webSocket.send(message);
 */
export function batchUntilTickEnd(socket: CorkableSocket): void {
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

/**
 * Sends the SSE frames written during one event-loop turn in one write per stream. Each POSTed event is its
 * own I/O callback, so frames of concurrent events are written in separate ticks, and Node's own per-tick
 * cork sends each alone: one `writev`, one pass through the TCP stack and one wake-up of the reader per
 * frame. Held to the end of the turn (`setImmediate`, right after the I/O callbacks), the frames of every
 * event that came in together leave as one write per stream.
 *
 * Holding pays only when events come together. When the last turn's frames came from one tick at most (the
 * server is keeping up: events arrive one at a time), the frames of the next turn's first tick are not held:
 * they leave as they are written, and their event's 202 right behind them, instead of both waiting for the
 * end of the turn. Under load, turns carry the frames of several events and every frame is held. (What
 * holding a lone event, and sending every turn's first frame at once, each cost: docs/benchmarks.md.)
 *
 * An event's 202 must not overtake its patches (a browser resolves the `fetch` before it reads the stream
 * further, and the patches would wait behind it), so the event route awaits {@link flushed} before answering.
 * A frame that is not held is handed to the kernel before the 202 is written.
 *
 * @example
 * const turn = new TurnBatching();
 * response.write(frame);
 * turn.written(response.socket);
 * await turn.flushed(); // before answering the POST
 */
export class TurnBatching {
  readonly #held = new Set<CorkableSocket>();
  #waiting: (() => void)[] = [];
  /** Ticks that wrote frames in the current turn (0: no turn started). */
  #ticks = 0;
  /** Whether the current tick has written a frame already. */
  #inTick = false;
  /** Whether the current tick's frames leave as they are written instead of at the turn's end. */
  #passing = false;
  /** Whether the last turn's frames came from one tick at most. */
  #lastTurnLone = true;

  /** Call right after writing a frame to `socket` (Node has corked it until the next tick). */
  written(socket: CorkableSocket): void {
    if (!this.#inTick) {
      this.#inTick = true;
      process.nextTick(this.#endTick);
      if (this.#ticks === 0) setImmediate(this.#endTurn);
      this.#passing = this.#ticks === 0 && this.#lastTurnLone;
      this.#ticks += 1;
    }
    const held = this.#held.has(socket);
    if (socket.writableLength >= MAX_HELD_BYTES) {
      // A burst (a mount replaying the log): held bytes count as unsent, and would pass for a slow client.
      // Ours is the only cork while held; otherwise Node's, taken for this write.
      if (held) this.#held.delete(socket);
      socket.uncork();
      return;
    }
    if (held) return;
    if (this.#passing) {
      // Node's cork would hold it until the next tick: after the event's 202, which `end()` sends at once.
      socket.uncork();
      return;
    }
    this.#held.add(socket);
    socket.cork();
  }

  /** Resolves once every frame held now has been handed to its socket; `undefined` when none is held. */
  flushed(): Promise<void> | undefined {
    if (this.#held.size === 0) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  readonly #endTick = (): void => {
    this.#inTick = false;
  };

  readonly #endTurn = (): void => {
    this.#lastTurnLone = this.#ticks <= 1;
    this.#ticks = 0;
    const held = [...this.#held];
    this.#held.clear();
    const waiting = this.#waiting;
    this.#waiting = [];
    try {
      // Node's per-tick cork is long released by now; ours is the last one left.
      for (const socket of held) socket.uncork();
    } finally {
      // Whatever happened to a socket, no answer waits forever.
      for (const resolve of waiting) resolve();
    }
  };
}
