import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CommonRefusals } from './refusal.js';
import type { Logger } from '../util/logger.js';
import { isBackendUnavailable } from '../redis/redis-errors.js';

/** How a request that threw is answered: status, stable code, message and, for a retry, when. */
export interface FailureAnswer {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/**
 * The answer to a request whose handling threw: a client error keeps its status and message, a store or
 * broker that cannot reach its backend is a 503 to retry (nothing was applied for sure), anything else is
 * logged and answered 500 without the error's own message, which may hold paths or internals. The Hono
 * app's `onError` and the event POSTs `attach` takes answer through this one function.
 */
export function failureAnswer(error: unknown, logger: Logger, path: string): FailureAnswer {
  if (error instanceof HTTPException && error.status < 500) return { status: error.status as ContentfulStatusCode, code: 'bad_request', message: error.message };
  if (isBackendUnavailable(error)) {
    return { status: 503, code: 'backend_unavailable', message: 'The server cannot reach its data store: try again shortly.', retryAfterMs: 1_000 };
  }
  logger.error('request failed', { path, error: error instanceof Error ? error.message : String(error) });
  return CommonRefusals.internal;
}
