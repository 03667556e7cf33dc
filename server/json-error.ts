import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of every refused request: a message for people and a stable code for programs. */
export interface ErrorBody {
  error: string;
  code: string;
  eventId?: string;
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
