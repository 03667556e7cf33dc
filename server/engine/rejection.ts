import type { EventOutcome, ResumeReport } from '../observe/observer.js';

/** A status code the engine answers a refusal with; the front doors write it as HTTP or in an `error` patch. */
export type RejectionStatus = 400 | 403 | 404 | 409 | 413 | 429;

/** Why a request was refused before it changed anything; transports map it to a 4xx or an `error` patch. */
export interface Rejection {
  accepted: false;
  status: RejectionStatus;
  code: string;
  message: string;
  eventId?: string;
  /** With 429: when to try again. */
  retryAfterMs?: number;
}

/** What became of an event the engine took. */
export type TakenOutcome = Exclude<EventOutcome, 'refused' | 'error'>;

/**
 * An event the engine took: its outcome travels to the client as an `ack` or `error` patch, and is told here
 * too, for logs and metrics.
 */
export interface Taken {
  accepted: true;
  eventId: string;
  outcome: TakenOutcome;
  /** The instance's revision after it (an `error` patch's outcome has none). */
  rev?: number;
  /** The handler's `NascError` code (`rejected`), or `handler_failed` (`failed`). */
  code?: string;
  /** How long the handler (or a mount's `mount`) ran, in ms. */
  handlerMs?: number;
  /** For a mount that named the revision its client holds: what it was sent. */
  resume?: ResumeReport;
}

/**
 * The answer to an event: taken (`accepted`: its outcome, applied or refused by the handler, travels to the
 * client as an `ack` or `error` patch), or refused before anything ran.
 */
export type HandleResult = Taken | Rejection;

export function reject(status: RejectionStatus, code: string, message: string, eventId?: string, retryAfterMs?: number): Rejection {
  const rejection: Rejection = { accepted: false, status, code, message };
  if (eventId !== undefined) rejection.eventId = eventId;
  if (retryAfterMs !== undefined) rejection.retryAfterMs = retryAfterMs;
  return rejection;
}

/** The answer to an event sent behind one of the same client that failed and has not come again yet. */
export function retryFirst(eventId: string, retryAfterMs: number): Rejection {
  return reject(429, 'retry_first', 'An earlier event failed: send it again first.', eventId, retryAfterMs);
}

/** Another session's open stream holds this client id. */
export function clientIdTaken(eventId?: string): Rejection {
  return reject(403, 'client_id_taken', 'This client id belongs to another session.', eventId);
}
