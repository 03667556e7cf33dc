import { isBackendUnavailable } from '../store/backend-unavailable.js';
import type { Logger } from '../util/logger.js';
import { Refusals, type Refusal } from './refusal.js';

/**
 * The answer to a request whose handling threw: a store or broker that cannot reach its backend is a 503 to
 * retry (nothing was applied for sure), anything else is logged and answered 500 without the error's own
 * message, which may hold paths or internals. Every front door answers a failure through this one function.
 */
export function failureAnswer(error: unknown, logger: Logger, path: string): Refusal {
  if (isBackendUnavailable(error)) return Refusals.backendUnavailable;
  logger.error('request failed', { path, error: error instanceof Error ? error.message : String(error) });
  return Refusals.internal;
}
