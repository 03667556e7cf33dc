import type { ClientEvent } from '../../protocol/index.js';
import { tabStorage } from './tab-storage.js';

const SAVE_DELAY_MS = 250;

/** An event waiting for its acknowledgement. */
export interface OutboxEntry {
  event: ClientEvent & { eventId: string };
  /** Set while the event is on the wire (sent, ack not yet back). */
  sent: boolean;
  /** When it last went on the wire (performance.now()). */
  sentAt?: number;
  /** Set once the server said it applied the event (SSE 202): it no longer holds the send window. */
  accepted: boolean;
}

/**
 * The events not yet acknowledged, in send order. Bounded; kept in sessionStorage so a reload re-sends what
 * the server may not have applied (it applies each `eventId` at most once).
 */
export class Outbox {
  readonly #entries: OutboxEntry[] = [];
  readonly #limit: number;
  readonly #storage = tabStorage();
  #storageKey: string;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;

  /** `clientId` names the saved queue: each connection of a tab keeps its own. */
  constructor(clientId: string, limit = 500) {
    this.#limit = limit;
    this.#storageKey = `nasc:outbox:${clientId}`;
    if (typeof window !== 'undefined' && this.#storage) {
      window.addEventListener('pagehide', () => this.#flush());
      document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && this.#flush());
    }
    const saved = this.#storage?.getItem(this.#storageKey);
    if (!saved) return;
    try {
      for (const event of JSON.parse(saved) as OutboxEntry['event'][]) this.#entries.push({ event, sent: false, accepted: false });
    } catch {
      this.#storage?.removeItem(this.#storageKey);
    }
  }

  /** Queues an event; false when the queue is full (the caller reports it instead of dropping it silently). */
  push(event: OutboxEntry['event']): boolean {
    if (this.#entries.length >= this.#limit) return false;
    this.#entries.push({ event, sent: false, accepted: false });
    this.#save();
    return true;
  }

  /** The first entries not yet on the wire, up to `window` in flight in all. */
  sendable(window: number): OutboxEntry[] {
    const inFlight = this.#entries.filter((entry) => entry.sent && !entry.accepted).length;
    return this.#entries.filter((entry) => !entry.sent).slice(0, Math.max(0, window - inFlight));
  }

  /** Removes an acknowledged event; returns it, or undefined when it was not waiting. */
  settle(eventId: string): OutboxEntry | undefined {
    const index = this.#entries.findIndex((entry) => entry.event.eventId === eventId);
    if (index < 0) return undefined;
    const [entry] = this.#entries.splice(index, 1);
    this.#save();
    return entry;
  }

  /** The server applied the event; its ack is on the way. */
  markAccepted(eventId: string): void {
    const entry = this.#entries.find((candidate) => candidate.event.eventId === eventId);
    if (entry) entry.accepted = true;
  }

  /** Whether `entry` still waits here (it was neither settled nor dropped). */
  holds(entry: OutboxEntry): boolean {
    return this.#entries.includes(entry);
  }

  /** The connection took a new client id: the saved queue moves with it. */
  rename(clientId: string): void {
    this.#storage?.removeItem(this.#storageKey);
    this.#storageKey = `nasc:outbox:${clientId}`;
    this.#flush();
  }

  /**
   * The event was not taken (rate limited, or not processed): it and every event behind it go again, in
   * order, on the next send. Those behind it that are on the wire will be refused too (the server takes
   * nothing from a client behind a refused event until that one comes again), and sending any of them
   * before it would apply them out of order.
   */
  release(eventId: string): boolean {
    const index = this.#entries.findIndex((candidate) => candidate.event.eventId === eventId);
    if (index < 0) return false;
    for (const entry of this.#entries.slice(index)) putBack(entry);
    return true;
  }

  /**
   * Puts back in line every event sent before `before` whose outcome never came: an answer lost anywhere
   * (a process that died between applying and answering) must not leave it waiting forever. The server
   * answers a repeat from the outcome it remembers. Returns how many went back.
   */
  expire(before: number): number {
    let expired = 0;
    for (const entry of this.#entries) {
      if (!entry.sent || entry.sentAt === undefined || entry.sentAt >= before) continue;
      putBack(entry);
      expired += 1;
    }
    return expired;
  }

  /** Whether any event is on the wire. */
  get inFlight(): boolean {
    return this.#entries.some((entry) => entry.sent);
  }

  /** After a reconnect nothing is on the wire any more: everything unacknowledged goes again, in order. */
  resetInFlight(): void {
    for (const entry of this.#entries) putBack(entry);
  }

  /**
   * Writes the queue to sessionStorage soon, not on every change: a write costs more than the rest of a
   * click's work. The page's `pagehide` (and going hidden) flushes at once, so a reload still finds it.
   */
  #save(): void {
    if (this.#saveTimer !== undefined || !this.#storage) return;
    this.#saveTimer = setTimeout(() => this.#flush(), SAVE_DELAY_MS);
  }

  #flush(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    try {
      if (this.#entries.length === 0) this.#storage?.removeItem(this.#storageKey);
      else this.#storage?.setItem(this.#storageKey, JSON.stringify(this.#entries.map((entry) => entry.event)));
    } catch {
      // Storage full or denied: the queue still works for this page's life.
    }
  }
}

/** Back in line: not on the wire, to be sent again. */
function putBack(entry: OutboxEntry): void {
  entry.sent = false;
  entry.accepted = false;
}
