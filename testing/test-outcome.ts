import type { BindUpdatePatch, ErrorPatch, JsonObject } from '../protocol/index.js';
import type { HttpRefusal } from './client-link.js';

/** An event the server applied: the revision it made and the patches this client got for it. */
export interface AppliedOutcome {
  ok: true;
  eventId: string;
  /** The instance's revision after the event (unchanged when the event changed nothing). */
  rev: number;
  /** The `bindUpdate`s of the event's batch, as the sender received them (none when nothing changed). */
  patches: BindUpdatePatch[];
}

/**
 * An event the server refused: a handler's `NascError` (or an invalid payload), or a refusal before the
 * handler ran (unknown event, `authorize`, limits). Over SSE+POST a refusal before the handler is an HTTP
 * answer and carries its `status`; over WebSocket every refusal is an `error` patch.
 */
export interface RefusedOutcome {
  ok: false;
  eventId: string;
  code: string;
  message: string;
  /** The form field a `NascError` named. */
  field?: string;
  details?: JsonObject;
  /** The HTTP status of a POST that was refused before the handler ran (SSE only). */
  status?: number;
  retryAfterMs?: number;
}

/** What became of one event. */
export type TestOutcome = AppliedOutcome | RefusedOutcome;

/** Thrown by `mount` and by `expectApplied` when the server refused. */
export class RefusedError extends Error {
  readonly outcome: RefusedOutcome;

  constructor(what: string, outcome: RefusedOutcome) {
    super(`${what} was refused: ${outcome.code}: ${outcome.message}${outcome.field ? ` (field ${outcome.field})` : ''}`);
    this.name = 'RefusedError';
    this.outcome = outcome;
  }
}

export function refusedByPatch(eventId: string, patch: ErrorPatch): RefusedOutcome {
  const outcome: RefusedOutcome = { ok: false, eventId, code: patch.code ?? 'error', message: patch.message };
  if (patch.field !== undefined) outcome.field = patch.field;
  if (patch.details !== undefined) outcome.details = patch.details;
  if (patch.retryAfterMs !== undefined) outcome.retryAfterMs = patch.retryAfterMs;
  return outcome;
}

export function refusedByHttp(eventId: string, refusal: HttpRefusal): RefusedOutcome {
  return { ok: false, eventId, ...refusal };
}
