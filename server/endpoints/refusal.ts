/**
 * One shape for every refusal, whichever endpoint makes it and whichever way it is written: an HTTP status, a
 * stable code for programs, a message for people, the event it answers and, for a wait, how long. The front
 * doors write it in their wire form: a JSON answer (`{ error, code, eventId? }` with `Retry-After`), a raw
 * HTTP answer on an upgrade's socket, or an `error` patch on a WebSocket.
 */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly eventId?: string;
  /** When to try again: `Retry-After` (whole seconds) over HTTP, `retryAfterMs` in a patch. */
  readonly retryAfterMs?: number;
}

/** An answer ready for the wire: a status and its JSON body (a refusal's, or a success's). */
export interface Answer {
  readonly status: number;
  readonly body: string;
  /** Sent as `Retry-After` (whole seconds). */
  readonly retryAfterMs?: number;
}

/** The JSON body of every refused request: a message for people and a stable code for programs. */
export interface ErrorBody {
  error: string;
  code: string;
  eventId?: string;
}

/** The refusals more than one endpoint (or both ways in to one) answer with, worded once. */
export const Refusals = {
  badRequest: { status: 400, code: 'bad_request', message: 'Invalid Host header.' },
  badClientId: { status: 400, code: 'bad_client_id', message: 'Query parameter "clientId" must be a non-empty id without control characters.' },
  upgradeRequired: { status: 426, code: 'upgrade_required', message: 'This endpoint speaks WebSocket only.' },
  internal: { status: 500, code: 'internal', message: 'The server could not process the request.' },
  backendUnavailable: { status: 503, code: 'backend_unavailable', message: 'The server cannot reach its data store: try again shortly.', retryAfterMs: 1_000 },
} as const satisfies Record<string, Refusal>;

/** A refusal made on the spot. */
export function refusal(status: number, code: string, message: string, eventId?: string, retryAfterMs?: number): Refusal {
  return {
    status,
    code,
    message,
    ...(eventId === undefined ? {} : { eventId }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The body of a refusal, the same whichever way it is written. */
export function errorBody(refused: Refusal): ErrorBody {
  return refused.eventId === undefined ? { error: refused.message, code: refused.code } : { error: refused.message, code: refused.code, eventId: refused.eventId };
}

/** A refusal as a JSON answer. */
export function answerOf(refused: Refusal): Answer {
  const body = JSON.stringify(errorBody(refused));
  return refused.retryAfterMs === undefined ? { status: refused.status, body } : { status: refused.status, body, retryAfterMs: refused.retryAfterMs };
}

/** A wait as a `Retry-After` value: whole seconds, at least one (a zero would invite an immediate retry). */
export function retryAfterSeconds(retryAfterMs: number): string {
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}
