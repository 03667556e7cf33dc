/** Something kept alive by a periodic nudge (an SSE comment). */
export interface KeptAlive {
  keepAlive(): void;
}

/**
 * One timer for every open stream of a route instead of one per stream: 10,000 idle streams cost one
 * interval, and a tick nudges them all. Runs only while it has members, and never holds the process open.
 */
export class KeepAliveTicker {
  readonly #intervalMs: number;
  readonly #members = new Set<KeptAlive>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  add(member: KeptAlive): void {
    this.#members.add(member);
    if (this.#timer || !(this.#intervalMs > 0)) return;
    this.#timer = setInterval(() => {
      for (const each of this.#members) each.keepAlive();
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  delete(member: KeptAlive): void {
    this.#members.delete(member);
    if (this.#members.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
