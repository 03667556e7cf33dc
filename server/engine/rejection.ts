import type { EventOutcome } from '../store/store.js';

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

/**
 * The answer to an event: taken (`accepted`: its outcome, applied or refused by the handler, travels to the
 * client as an `ack` or `error` patch, and is given here too for an event a handler ran or remembered, for a
 * caller without a stream), or refused before anything ran.
 */
export type HandleResult = { accepted: true; eventId: string; outcome?: EventOutcome } | Rejection;

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
