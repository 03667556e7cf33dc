import type { Handler } from 'hono';
import type { EventEndpoint } from '../endpoints/event-endpoint.js';
import { writeAnswer } from './answer.js';
import { requestBody } from './hono-body.js';
import { honoRequestParts } from './hono-request.js';

/**
 * `POST /event` as a Hono route: one event as JSON with its `clientId`, answered by the {@link EventEndpoint}.
 * The origin and session checks are the endpoint's, not middleware's: every event pays for each async step,
 * and at 8 posts in flight they cost more than the checks.
 */
export function eventRoute(events: EventEndpoint, trustProxy: boolean): Handler {
  return async function nascPostEvent(c) {
    const answer = await events.answer({
      ...honoRequestParts(c, trustProxy),
      body: requestBody(c),
    });
    return writeAnswer(c, answer);
  };
}
