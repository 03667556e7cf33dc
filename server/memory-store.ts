import { GroupedGenerationalMap } from './grouped-generational-map.js';
import type { Awaitable } from './awaitable.js';
import type { CommitRequest, EventOutcome, InstanceRecord, LogEntry, Store } from './store.js';

/** Sizes of the in-memory store. */
export interface MemoryStoreOptions {
  /** Log entries kept per instance, at least (default 256; up to twice as many between trims). */
  logSize?: number;
  /** Event outcomes kept for dedupe, least recently used dropped first (default 100,000; at least half are kept). */
  outcomeLimit?: number;
}

interface Slot {
  /** The instance's key among the kept outcomes: one string per instance, so its events hash nothing new. */
  readonly key: string;
  record: InstanceRecord;
  log: LogEntry[];
}

/**
 * A {@link Store} in process memory: fast, for tests and single-process apps that need no persistence.
 *
 * @example
 * createNasc({ handlers, store: new MemoryStore() });
 */
export class MemoryStore implements Store {
  /** Type → instance → slot: two lookups of the ids as they came, instead of a key built for every call. */
  readonly #slots = new Map<string, Map<string, Slot>>();
  /**
   * Instance key → event id → outcome. A success is kept as its revision alone (the type and instance are
   * the key's): one object fewer per event to keep alive, copy and promote.
   */
  readonly #outcomes: GroupedGenerationalMap<number | EventOutcome>;
  readonly #logSize: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#logSize = options.logSize ?? 256;
    this.#outcomes = new GroupedGenerationalMap(options.outcomeLimit ?? 100_000);
  }

  load(type: string, instance: string): Awaitable<InstanceRecord | undefined> {
    return this.#slots.get(type)?.get(instance)?.record;
  }

  commit(type: string, instance: string, request: CommitRequest): Awaitable<boolean> {
    let slot = this.#slots.get(type)?.get(instance);
    if ((slot?.record.rev ?? 0) !== request.expectedRev) return false;
    const record = { state: request.state, rev: request.rev };
    if (!slot) {
      slot = { key: slotKey(type, instance), record, log: [] };
      let instances = this.#slots.get(type);
      if (!instances) this.#slots.set(type, (instances = new Map()));
      instances.set(instance, slot);
    } else {
      slot.record = record;
      if (request.batch !== undefined) {
        slot.log.push({ rev: request.rev, batch: request.batch });
        // Trimmed in steps of logSize, not by one entry per commit (which moves the whole log every time).
        if (slot.log.length >= 2 * this.#logSize) slot.log.splice(0, slot.log.length - this.#logSize);
      }
    }
    if (request.outcome) this.#outcomes.set(slot.key, request.outcome.eventId, compactOutcome(request.outcome.outcome));
    return true;
  }

  readLog(type: string, instance: string, afterRev: number): Awaitable<LogEntry[] | undefined> {
    const slot = this.#slots.get(type)?.get(instance);
    if (!slot) return undefined;
    if (afterRev >= slot.record.rev) return [];
    const first = slot.log[0];
    if (!first || first.rev > afterRev + 1) return undefined;
    return slot.log.slice(afterRev + 1 - first.rev);
  }

  recallOutcome(type: string, instance: string, eventId: string): Awaitable<EventOutcome | undefined> {
    const kept = this.#outcomes.get(this.#outcomeGroup(type, instance), eventId);
    return typeof kept === 'number' ? { ok: true, type, instance, rev: kept } : kept;
  }

  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome): Awaitable<void> {
    this.#outcomes.set(this.#outcomeGroup(type, instance), eventId, compactOutcome(outcome));
  }

  /** An instance's group among the outcomes: its slot's key, or one built for an instance never committed. */
  #outcomeGroup(type: string, instance: string): string {
    return this.#slots.get(type)?.get(instance)?.key ?? slotKey(type, instance);
  }

  async close(): Promise<void> {}
}

function slotKey(type: string, instance: string): string {
  // Ids never contain control characters, so NUL cannot be forged into a colliding key.
  return `${type}\u0000${instance}`;
}

function compactOutcome(outcome: EventOutcome): number | EventOutcome {
  return outcome.ok ? outcome.rev : outcome;
}
