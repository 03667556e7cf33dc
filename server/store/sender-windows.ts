/** Limits of {@link SenderWindows}. */
export interface SenderWindowLimits {
  /** Outcomes kept per sender: its newest ones. */
  perSender: number;
  /** A sender that saved nothing for this long loses its whole window. */
  ttlMs: number;
  /** Outcomes kept over all senders; past it the senders idle longest lose their windows. */
  max: number;
}

/** One sender's outcomes, oldest first from `head`: the map each one is in, and its event id. */
interface Window {
  readonly sender: string;
  maps: (Map<string, unknown> | undefined)[];
  ids: (string | undefined)[];
  head: number;
  lastAt: number;
  /** Neighbours in the order of last activity (a linked list: moving a sender to the end is O(1)). */
  older: Window | undefined;
  newer: Window | undefined;
}

/** Consumed entries at the front of a window are cut off once there are this many and they are half of it. */
const COMPACT_AFTER = 1_024;

/**
 * Decides how long each remembered outcome is kept, per sender: the outcomes themselves live in maps owned by
 * the caller (one per instance), and this deletes them from there when they fall out.
 *
 * - A sender keeps its newest `perSender` outcomes: only its own newer ones push one out.
 * - A sender that saved nothing for `ttlMs` loses them all.
 * - Past `max` outcomes over all senders, the senders idle longest lose theirs, whole, until a sixteenth of
 *   `max` is free again (so the cost of a drop is spread over many saves); `onDrop` is told.
 *
 * Every step is O(1) amortised: senders are kept in order of last activity in a linked list, not by moving
 * keys around in a Map.
 *
 * @example
 * const windows = new SenderWindows({ perSender: 4096, ttlMs: 3_600_000, max: 1_000_000 }, () => undefined);
 * outcomes.set(eventId, outcome);
 * windows.add(session, outcomes, eventId, Date.now());
 */
export class SenderWindows {
  readonly #limits: SenderWindowLimits;
  readonly #onDrop: (senders: number, outcomes: number) => void;
  readonly #senders = new Map<string, Window>();
  #oldest: Window | undefined;
  #newest: Window | undefined;
  #total = 0;

  constructor(limits: SenderWindowLimits, onDrop: (senders: number, outcomes: number) => void) {
    const max = Math.max(1, Math.floor(limits.max));
    this.#limits = { perSender: Math.max(1, Math.min(max, Math.floor(limits.perSender))), ttlMs: limits.ttlMs, max };
    this.#onDrop = onDrop;
  }

  /** Outcomes kept now, over all senders. */
  get size(): number {
    return this.#total;
  }

  /** Senders with a window now. */
  get senders(): number {
    return this.#senders.size;
  }

  /** Records that `sender` saved the outcome of `eventId` into `map`, which did not hold it before. */
  add(sender: string, map: Map<string, unknown>, eventId: string, now: number): void {
    let window = this.#senders.get(sender);
    if (window === undefined) {
      window = { sender, maps: [], ids: [], head: 0, lastAt: now, older: undefined, newer: undefined };
      this.#senders.set(sender, window);
      this.#append(window);
    } else if (window !== this.#newest) {
      this.#unlink(window);
      this.#append(window);
    }
    window.lastAt = now;
    window.maps.push(map);
    window.ids.push(eventId);
    this.#total += 1;
    if (window.maps.length - window.head > this.#limits.perSender) this.#dropOldest(window);
    this.expireIdle(now);
    if (this.#total > this.#limits.max) this.#shed(window);
  }

  /** Drops the windows of senders that saved nothing for `ttlMs`. */
  expireIdle(now: number): void {
    const cutoff = now - this.#limits.ttlMs;
    while (this.#oldest !== undefined && this.#oldest.lastAt <= cutoff) this.#drop(this.#oldest);
  }

  /** Drops the senders idle longest, never `keep`, until a sixteenth of the bound is free. */
  #shed(keep: Window): void {
    const target = this.#limits.max - Math.ceil(this.#limits.max / 16);
    let senders = 0;
    let outcomes = 0;
    while (this.#total > target && this.#oldest !== undefined && this.#oldest !== keep) {
      const before = this.#total;
      this.#drop(this.#oldest);
      senders += 1;
      outcomes += before - this.#total;
    }
    if (senders > 0) this.#onDrop(senders, outcomes);
  }

  #dropOldest(window: Window): void {
    const head = window.head;
    window.maps[head]!.delete(window.ids[head]!);
    window.maps[head] = undefined;
    window.ids[head] = undefined;
    window.head = head + 1;
    this.#total -= 1;
    if (window.head >= COMPACT_AFTER && window.head * 2 >= window.maps.length) {
      window.maps = window.maps.slice(window.head);
      window.ids = window.ids.slice(window.head);
      window.head = 0;
    }
  }

  #drop(window: Window): void {
    for (let index = window.head; index < window.maps.length; index++) window.maps[index]!.delete(window.ids[index]!);
    this.#total -= window.maps.length - window.head;
    this.#senders.delete(window.sender);
    this.#unlink(window);
  }

  #append(window: Window): void {
    window.older = this.#newest;
    window.newer = undefined;
    if (this.#newest) this.#newest.newer = window;
    else this.#oldest = window;
    this.#newest = window;
  }

  #unlink(window: Window): void {
    if (window.older) window.older.newer = window.newer;
    else this.#oldest = window.newer;
    if (window.newer) window.newer.older = window.older;
    else this.#newest = window.older;
    window.older = undefined;
    window.newer = undefined;
  }
}
