import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of every refused request: a message for people and a stable code for programs. */
export interface ErrorBody {
  error: string;
  code: string;
  eventId?: string;
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
  const body: ErrorBody = eventId === undefined ? { error: message, code } : { error: message, code, eventId };
  if (retryAfterMs !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return c.json(body, status);
}
