import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of every refused request: a message for people and a stable code for programs. */
export interface ErrorBody {
  error: string;
  code: string;
  eventId?: string;
}

/** A refusal several endpoints give, worded once: its status, stable code and message. */
export interface CommonRefusal {
  readonly status: 400 | 426 | 500;
  readonly code: string;
  readonly message: string;
}

/** The refusals more than one endpoint (or both ways in to a WebSocket) answer with. */
export const CommonRefusals = {
  badClientId: { status: 400, code: 'bad_client_id', message: 'Query parameter "clientId" must be a non-empty id without control characters.' },
  upgradeRequired: { status: 426, code: 'upgrade_required', message: 'This endpoint speaks WebSocket only.' },
  internal: { status: 500, code: 'internal', message: 'The server could not process the request.' },
} as const satisfies Record<string, CommonRefusal>;

/** Answers one of the {@link CommonRefusals}. */
export function refusalResponse(c: Context, refusal: CommonRefusal): Response {
  return jsonError(c, refusal.status, refusal.code, refusal.message);
}

/** The body of a refusal, the same whichever way it is written (a Hono response or a raw upgrade answer). */
export function errorBody(code: string, message: string, eventId?: string): ErrorBody {
  return eventId === undefined ? { error: message, code } : { error: message, code, eventId };
}

/** A wait as a `Retry-After` value: whole seconds, at least one (a zero would invite an immediate retry). */
export function retryAfterSeconds(retryAfterMs: number): string {
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/** Answers `status` with `{ error, code }`; with `retryAfterMs`, also a `Retry-After` header (whole seconds). */
export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  eventId?: string,
  retryAfterMs?: number,
): Response {
  if (retryAfterMs !== undefined) c.header('Retry-After', retryAfterSeconds(retryAfterMs));
  return c.json(errorBody(code, message, eventId), status);
}
