import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { answerOf, retryAfterSeconds, type Answer, type Refusal } from '../endpoints/refusal.js';

/** Writes a JSON answer as a Hono response: its status, body, `Content-Type` and, for a wait, `Retry-After`. */
export function writeAnswer(c: Context, answer: Answer): Response {
  if (answer.retryAfterMs !== undefined) c.header('Retry-After', retryAfterSeconds(answer.retryAfterMs));
  return c.body(answer.body, answer.status as ContentfulStatusCode, { 'Content-Type': 'application/json' });
}

/** Writes a refusal as a Hono response (`{ error, code, eventId? }`). */
export function writeRefusal(c: Context, refused: Refusal): Response {
  return writeAnswer(c, answerOf(refused));
}
