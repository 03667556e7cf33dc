import type { Awaitable } from '../util/awaitable.js';
import { DroppedOutcomesLog } from './dropped-outcomes-log.js';
import { createConsoleLogger, type Logger } from '../util/logger.js';
import { SenderWindows } from './sender-windows.js';
import { OUTCOME_DEFAULTS, type CommitRequest, type EventOutcome, type InstanceRecord, type InstanceRef, type LogEntry, type SentOutcome, type Store } from './store.js';

/** Sizes and lifetimes of the in-memory store. */
export interface MemoryStoreOptions {
  /** Log entries kept per instance, at least (default 256; up to twice as many between trims). */
  logSize?: number;
  /** Event outcomes kept per sender (session), its newest (default 4,096). */
  outcomesPerSender?: number;
  /** A sender that saved no outcome for this long loses its outcomes (default 1 hour). */
  outcomeTtlMs?: number;
  /** Event outcomes kept in all; past it the senders idle longest lose theirs, logged (default 1,000,000). */
  maxOutcomes?: number;
  /** Where dropped outcome windows are reported (default: the console logger). */
  logger?: Logger;
}

interface Slot extends InstanceRef {
  record: InstanceRecord;
  log: LogEntry[];
  /**
   * Event id → outcome, made on the first one. A success is kept as its revision alone (the type and instance
   * are the slot's): one object fewer per event to keep alive.
   */
  outcomes: Map<string, number | EventOutcome> | undefined;
  /** How long the instance may stay idle (set by its last commit), and when it was last in use. */
  idleTtlMs: number | undefined;
  activeAt: number;
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
  /** The slots that can expire (their last commit gave them an idle lifetime). */
  readonly #expiring = new Set<Slot>();
  readonly #windows: SenderWindows;
  readonly #logSize: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#logSize = options.logSize ?? 256;
    const maxOutcomes = options.maxOutcomes ?? OUTCOME_DEFAULTS.maxOutcomes;
    const dropped = new DroppedOutcomesLog(options.logger ?? createConsoleLogger(), maxOutcomes);
    this.#windows = new SenderWindows(
      {
        perSender: options.outcomesPerSender ?? OUTCOME_DEFAULTS.outcomesPerSender,
        ttlMs: options.outcomeTtlMs ?? OUTCOME_DEFAULTS.outcomeTtlMs,
        max: maxOutcomes,
      },
      (senders, outcomes) => dropped.note(senders, outcomes),
    );
  }

  /** Event outcomes kept now, over all senders. */
  get outcomeCount(): number {
    return this.#windows.size;
  }

  load(type: string, instance: string): Awaitable<InstanceRecord | undefined> {
    return this.#slots.get(type)?.get(instance)?.record;
  }

  commit(type: string, instance: string, request: CommitRequest): Awaitable<boolean> {
    let slot = this.#slots.get(type)?.get(instance);
    if ((slot?.record.rev ?? 0) !== request.expectedRev) return false;
    const record = { state: request.state, rev: request.rev };
    const now = Date.now();
    if (!slot) {
      slot = { type, instance, record, log: [], outcomes: undefined, idleTtlMs: undefined, activeAt: now };
      let instances = this.#slots.get(type);
      if (!instances) this.#slots.set(type, (instances = new Map()));
      instances.set(instance, slot);
    } else {
      slot.record = record;
      slot.activeAt = now;
      if (request.batch !== undefined) {
        slot.log.push({ rev: request.rev, batch: request.batch });
        // Trimmed in steps of logSize, not by one entry per commit (which moves the whole log every time).
        if (slot.log.length >= 2 * this.#logSize) slot.log.splice(0, slot.log.length - this.#logSize);
      }
    }
    if (slot.idleTtlMs !== request.idleTtlMs) {
      slot.idleTtlMs = request.idleTtlMs;
      if (request.idleTtlMs === undefined) this.#expiring.delete(slot);
      else this.#expiring.add(slot);
    }
    if (request.outcome) this.#remember(slot, request.outcome, now);
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
    const kept = this.#slots.get(type)?.get(instance)?.outcomes?.get(eventId);
    return typeof kept === 'number' ? { ok: true, type, instance, rev: kept } : kept;
  }

  saveOutcome(type: string, instance: string, eventId: string, outcome: EventOutcome, sender: string): Awaitable<void> {
    const slot = this.#slots.get(type)?.get(instance);
    if (slot) this.#remember(slot, { eventId, outcome, sender }, Date.now());
  }

  delete(type: string, instance: string): Awaitable<boolean> {
    const instances = this.#slots.get(type);
    const slot = instances?.get(instance);
    if (!instances || !slot) return false;
    instances.delete(instance);
    if (instances.size === 0) this.#slots.delete(type);
    this.#expiring.delete(slot);
    return true;
  }

  touch(instances: readonly InstanceRef[]): Awaitable<void> {
    const now = Date.now();
    for (const { type, instance } of instances) {
      const slot = this.#slots.get(type)?.get(instance);
      if (slot) slot.activeAt = now;
    }
  }

  expire(): Awaitable<InstanceRef[]> {
    const now = Date.now();
    const expired: InstanceRef[] = [];
    for (const slot of this.#expiring) {
      if (slot.activeAt + slot.idleTtlMs! > now) continue;
      this.delete(slot.type, slot.instance);
      expired.push({ type: slot.type, instance: slot.instance });
    }
    this.#windows.expireIdle(now);
    return expired;
  }

  async close(): Promise<void> {}

  #remember(slot: Slot, sent: SentOutcome, now: number): void {
    const outcomes = (slot.outcomes ??= new Map());
    const before = outcomes.size;
    outcomes.set(sent.eventId, sent.outcome.ok ? sent.outcome.rev : sent.outcome);
    // Saved again (a rare race): it keeps its place in its first sender's window.
    if (outcomes.size > before) this.#windows.add(sent.sender, outcomes, sent.eventId, now);
  }
}
