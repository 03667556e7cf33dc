import { createHmac, randomBytes } from 'node:crypto';
import type { ClientEvent } from '../../protocol/index.js';
import { GenerationalMap } from '../util/generational-map.js';

/** The transport of a stream. */
export type StreamTransport = 'sse' | 'ws';
/** Where an event came from: a page over a transport, or the server itself (`engine.dispatch`). */
export type EventTransport = StreamTransport | 'server';

/**
 * What became of an event. Taken: `applied` (a new revision), `unchanged` (acknowledged, nothing changed),
 * `duplicate` (answered from its remembered outcome), `rejected` (the handler threw a `NascError`), `failed`
 * (the handler threw anything else), `mounted`, `unmounted`. Not taken: `refused` (a check said no before
 * anything ran: a 4xx), `error` (the store or broker failed: a 503 or 500).
 */
export type EventOutcome = 'applied' | 'unchanged' | 'duplicate' | 'rejected' | 'failed' | 'mounted' | 'unmounted' | 'refused' | 'error';

/** How a mount that named the revision its client holds was answered: the batches missed, or a snapshot. */
export type ResumeKind = 'replay' | 'snapshot' | 'reset';

/** What a resume sent: from the revision the client held to the current one. */
export interface ResumeReport {
  readonly kind: ResumeKind;
  readonly from: number;
  readonly to: number;
  /** Batches replayed (0 for a snapshot). */
  readonly batches: number;
  /** Characters of JSON sent for it. */
  readonly bytes: number;
}

/**
 * An event's answer as the front doors hold it: the engine's (taken, with what became of it) or a refusal
 * (a code, no outcome). The engine's `HandleResult` and the endpoints' `Refusal` both fit.
 */
export interface EventAnswer {
  readonly outcome?: EventOutcome;
  readonly code?: string;
  readonly eventId?: string;
  readonly rev?: number;
  /** How long the handler ran, in ms. */
  readonly handlerMs?: number;
  readonly resume?: ResumeReport;
}

/** Who sent an event or holds a stream. The session is never written anywhere as it is: see {@link Observer.tag}. */
export interface ObservedCaller {
  readonly session: string;
  readonly clientId: string;
}

/** A span of work inside an event (the handler, the commit, the publish): ended once it is done. */
export interface PhaseSpan {
  end(error?: unknown): void;
}

/**
 * The trace of one event, from the request or frame that carried it to the patches it produced: opaque to
 * whoever carries it from {@link Observer.startEvent} to {@link Observer.eventDone}.
 */
export interface EventTrace {
  readonly eventId: string | undefined;
}

/** A part of the engine's work a span can stand for. */
export type Phase = 'handler' | 'commit' | 'publish';

/**
 * What Nasc tells about its own work. The engine, the endpoints and the channels call it at the points where
 * things happen; `server/observe/` turns the calls into log lines, metrics and spans, so that none of them
 * knows a logger's format, prom-client or OpenTelemetry. Every method is called on a hot path: an
 * implementation does its work only for what is switched on, and allocates nothing it can avoid.
 */
export interface Observer {
  /**
   * What stands for a secret (a session id, or an instance name made from one) in a log line: a short keyed
   * hash, the same for the same value under the same key, from which the value cannot be found.
   */
  tag(secret: string): string;
  /** An event came in: its trace, when tracing is on. */
  startEvent(transport: EventTransport, event: ClientEvent): EventTrace | undefined;
  /**
   * An event was answered (`startedAt`: `performance.now()` when it came in). `caller` and `event` are
   * missing for what was refused before they were known (no session; not JSON).
   */
  eventDone(
    transport: EventTransport,
    caller: ObservedCaller | undefined,
    event: ClientEvent | undefined,
    answer: EventAnswer,
    startedAt: number,
    trace: EventTrace | undefined,
  ): void;
  /**
   * A phase of event `eventId` started: its span (a child of the event's, found by its id, not by an async
   * context: events wait in queues, where the context is another event's), when tracing is on.
   */
  phase(name: Phase, eventId: string): PhaseSpan | undefined;
  /** A batch reached `subscribers` streams on this process; `eventId`: the event that made it, when known here. */
  delivered(subscribers: number, eventId: string | undefined): void;
  streamOpened(transport: StreamTransport, caller: ObservedCaller): void;
  streamClosed(transport: StreamTransport, caller: ObservedCaller, reason: string): void;
  /** A message of `bytes` characters was written to a stream. */
  sent(transport: StreamTransport, bytes: number): void;
  /** A stream was cut because of its client: it read too slowly, or sent too many refused frames. */
  cut(transport: StreamTransport, reason: CutReason): void;
  /** The store or Redis failed: `kind` is a code (`backend_unavailable`, `internal`) or Redis's (`full`, `connection`). */
  backendError(source: 'store' | 'redis', kind: string): void;
}

/** Why a client's stream was cut. */
export type CutReason = 'slow' | 'refused_frames';

const BACKEND_UNAVAILABLE: EventAnswer = { outcome: 'error', code: 'backend_unavailable' };
const INTERNAL: EventAnswer = { outcome: 'error', code: 'internal' };

/** The answer reported for an event whose handling threw: the store or broker unreachable (503), or anything else (500). */
export function errorAnswer(backendUnavailable: boolean): EventAnswer {
  return backendUnavailable ? BACKEND_UNAVAILABLE : INTERNAL;
}

/** Bytes of HMAC-SHA256 kept in a tag: 12 base64url characters, enough to tell sessions apart in a log. */
const TAG_BYTES = 9;
/** Tags remembered: with `info` on, every event's line tags its session, and a few sessions send most events. */
const REMEMBERED_TAGS = 10_000;

/**
 * Makes {@link Observer.tag}: HMAC-SHA256 under `key`, shortened. With the app's session secret as the key
 * (what `createNasc` does), a session has the same tag on every process and across restarts, so its lines can
 * be followed through a fleet; without a key, a random one per process.
 */
export function secretTagger(key: string | Uint8Array = randomBytes(32)): (secret: string) => string {
  const derived = createHmac('sha256', key).update('nasc log tag').digest();
  const remembered = new GenerationalMap<string, string>(REMEMBERED_TAGS);
  return (secret) => {
    let tag = remembered.get(secret);
    if (tag === undefined) {
      tag = createHmac('sha256', derived).update(secret).digest().subarray(0, TAG_BYTES).toString('base64url');
      remembered.set(secret, tag);
    }
    return tag;
  };
}

/** An observer that only tags: what a `NascEngine` made without `createNasc` reports to. */
export function silentObserver(tag: (secret: string) => string = secretTagger()): Observer {
  return {
    tag,
    startEvent: () => undefined,
    eventDone: () => undefined,
    phase: () => undefined,
    delivered: () => undefined,
    streamOpened: () => undefined,
    streamClosed: () => undefined,
    sent: () => undefined,
    cut: () => undefined,
    backendError: () => undefined,
  };
}

/**
 * An event id as logs and traces show it: the part a page keeps to itself (its random prefix, before the
 * last `.`; a whole id that has none) replaced by its keyed tag, the counter after it kept. Lines of one page
 * still group and sort, but nobody who reads them can name that page's next events before it does.
 */
export function loggedEventId(eventId: string | undefined, tag: (secret: string) => string): string | undefined {
  if (eventId === undefined) return undefined;
  const dot = eventId.lastIndexOf('.');
  return dot < 0 ? tag(eventId) : `${tag(eventId.slice(0, dot))}${eventId.slice(dot)}`;
}
