import { PatchAction, type AckPatch, type ClientEvent, type ErrorPatch, type Patch } from '../../protocol/index.js';
import type { TransportKind } from '../connection/transport.js';
import type { Answer, EventOutcome, InstanceRef, SentEntry, StreamEntry, TrafficEntry } from './traffic-entry.js';

/** Entries kept when nothing else is said. */
export const DEFAULT_LIMIT = 500;

/** A send whose outcome the log fills in when the answer arrives. */
type OpenSend = { -readonly [K in keyof SentEntry]: SentEntry[K] };

/** Without a usable number, the default; otherwise at least one entry. */
export function normalizeLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : DEFAULT_LIMIT;
}

/**
 * The traffic of one page connection, bounded: the last `limit` entries, oldest first, and counts since the
 * last `clear()`. It pairs each event with its answer (by `eventId`) to time the round trip, and notices a
 * transport fallback. It knows nothing of the DOM, so recording costs the same whether a panel shows it or not.
 */
export class TrafficLog {
  #limit = DEFAULT_LIMIT;
  #entries: TrafficEntry[] = [];
  #nextId = 1;
  #sent = 0;
  #received = 0;
  #dropped = 0;
  /** Sends waiting for their answer, by event id (a resend joins its first send). Bounded by `limit`. */
  readonly #waiting = new Map<string, OpenSend[]>();
  /** Error patches a message carried: the `nasc-error` the connection also dispatches for each is not listed again. */
  readonly #listed = new WeakSet<ErrorPatch>();
  #transport: TransportKind | undefined;

  /** Oldest first. */
  get entries(): readonly TrafficEntry[] {
    return this.#entries;
  }

  /** Events sent since the last clear. */
  get sent(): number {
    return this.#sent;
  }

  /** Messages received since the last clear. */
  get received(): number {
    return this.#received;
  }

  /** Entries dropped to stay within the limit since the last clear. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The id the next entry gets: entries below it are already in (or were in) the log. */
  get nextId(): number {
    return this.#nextId;
  }

  get limit(): number {
    return this.#limit;
  }

  set limit(limit: number) {
    this.#limit = normalizeLimit(limit);
    this.#trim();
  }

  recordSend(event: ClientEvent, transport: TransportKind | undefined, at: number): SentEntry {
    this.#sent += 1;
    const { eventId } = event;
    const earlier = eventId === undefined ? undefined : this.#waiting.get(eventId);
    const entry: OpenSend = {
      kind: 'sent',
      id: this.#nextId++,
      at,
      transport: this.#note(transport),
      instances: [{ type: event.type, instance: event.instance }],
      event,
      resend: earlier !== undefined,
      outcome: undefined,
    };
    if (eventId !== undefined) {
      if (earlier) earlier.push(entry);
      else this.#wait(eventId, entry);
    }
    return this.#add(entry);
  }

  recordMessage(patches: readonly Patch[], transport: TransportKind | undefined, at: number): TrafficEntry {
    this.#received += 1;
    const answers: Answer[] = [];
    const instances: InstanceRef[] = [];
    const schemas: InstanceRef[] = [];
    for (const patch of patches) {
      let ref: InstanceRef | undefined;
      if (patch.action === PatchAction.Ack || patch.action === PatchAction.Error) {
        if (patch.action === PatchAction.Error) this.#listed.add(patch);
        const answered = patch.eventId === undefined ? undefined : this.#answer(patch, at);
        if (answered) answers.push(answered.answer);
        ref = refOf(patch) ?? answered?.ref;
      } else {
        ref = refOf(patch);
      }
      // A schema patch is named after a type of the schema (`Todo` of a `TodoList`), not after the instance.
      if (ref) addRef(patch.action === PatchAction.Schema ? schemas : instances, ref);
    }
    return this.#add({
      kind: 'received',
      id: this.#nextId++,
      at,
      transport: this.#note(transport),
      instances: instances.length > 0 ? instances : schemas,
      patches,
      answers,
    });
  }

  /** Lists an error no message carried; undefined for one that came in a message (it is listed there). */
  recordError(error: ErrorPatch, transport: TransportKind | undefined, at: number): TrafficEntry | undefined {
    if (this.#listed.has(error)) return undefined;
    const answered = error.eventId === undefined ? undefined : this.#answer(error, at);
    const ref = refOf(error) ?? answered?.ref;
    return this.#add({
      kind: 'error',
      id: this.#nextId++,
      at,
      transport: this.#note(transport),
      instances: ref ? [ref] : [],
      error,
      answer: answered?.answer,
    });
  }

  recordLive(transport: TransportKind, at: number): TrafficEntry {
    return this.#stream({ state: 'live', transport: this.#note(transport) }, at);
  }

  /** The panel started listening to a connection that was already live: what it missed is not listed. */
  recordAttached(transport: TransportKind | undefined, at: number): TrafficEntry {
    return this.#stream({ state: 'attached', transport: this.#note(transport) }, at);
  }

  /** The stream dropped; `transport` is the one the next try uses, so a change is a fallback. */
  recordDown(transport: TransportKind, reason: string, attempt: number, retryInMs: number, at: number): TrafficEntry {
    const from = this.#transport;
    const fellBack = from !== undefined && from !== transport;
    return this.#stream(
      { state: fellBack ? 'fallback' : 'down', transport: this.#note(transport), reason, attempt, retryInMs, ...(fellBack ? { from } : {}) },
      at,
    );
  }

  /** Forgets every entry and count; sends still waiting keep their timing, so their answers are timed. */
  clear(): void {
    this.#entries = [];
    this.#sent = 0;
    this.#received = 0;
    this.#dropped = 0;
  }

  #stream(fields: Pick<StreamEntry, 'state' | 'transport' | 'from' | 'reason' | 'attempt' | 'retryInMs'>, at: number): TrafficEntry {
    return this.#add({ kind: 'stream', id: this.#nextId++, at, instances: [], ...fields });
  }

  /** Settles the sends an ack or error answers; the answer keeps the time since the latest of them. */
  #answer(patch: AckPatch | ErrorPatch, at: number): { answer: Answer; ref: InstanceRef | undefined } | undefined {
    const eventId = patch.eventId!;
    const sends = this.#waiting.get(eventId);
    const latest = sends?.at(-1);
    if (!sends || !latest) return undefined;
    for (const send of sends) send.outcome ??= outcomeOf(patch, Math.round(at - send.at));
    // A retry is no answer yet: the resend waits for the real one.
    if (patch.action === PatchAction.Ack || patch.retryAfterMs === undefined) this.#waiting.delete(eventId);
    return {
      answer: { eventId, event: latest.event.event, outcome: outcomeOf(patch, Math.round(at - latest.at)) },
      ref: latest.instances[0],
    };
  }

  #wait(eventId: string, entry: OpenSend): void {
    this.#waiting.set(eventId, [entry]);
    // Events nothing answers (the page closed their connection) must not pile up.
    if (this.#waiting.size > this.#limit) this.#waiting.delete(this.#waiting.keys().next().value!);
  }

  #note(transport: TransportKind | undefined): TransportKind | undefined {
    if (transport !== undefined) this.#transport = transport;
    return transport;
  }

  #add<E extends TrafficEntry>(entry: E): E {
    this.#entries.push(entry);
    this.#trim();
    return entry;
  }

  #trim(): void {
    const excess = this.#entries.length - this.#limit;
    if (excess <= 0) return;
    this.#entries.splice(0, excess);
    this.#dropped += excess;
  }
}

function outcomeOf(patch: AckPatch | ErrorPatch, afterMs: number): EventOutcome {
  if (patch.action === PatchAction.Ack) return { kind: 'ack', rev: patch.rev, afterMs };
  if (patch.retryAfterMs !== undefined) return { kind: 'retry', code: patch.code, retryAfterMs: patch.retryAfterMs, afterMs };
  return { kind: 'error', code: patch.code, message: patch.message, afterMs };
}

function refOf(patch: { type?: string | undefined; instance?: string | undefined }): InstanceRef | undefined {
  return patch.type !== undefined && patch.instance !== undefined ? { type: patch.type, instance: patch.instance } : undefined;
}

function addRef(refs: InstanceRef[], ref: InstanceRef): void {
  if (!refs.some((known) => known.type === ref.type && known.instance === ref.instance)) refs.push(ref);
}
