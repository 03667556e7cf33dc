/** The code every transport answers with when a shared backend cannot be reached: HTTP 503 or an `error` patch. */
export const BACKEND_UNAVAILABLE = 'backend_unavailable';

/**
 * A store or broker could not reach its backend (connection refused or lost, a timeout, a server that is
 * loading or read-only). Nothing is known to have been applied: the client sends the event again, and event
 * dedupe makes that safe even when the first attempt did land.
 */
export class BackendUnavailableError extends Error {
  readonly code = BACKEND_UNAVAILABLE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * True for an error that means "the backend is unreachable, try again", from any store or broker: it only
 * has to carry `code: 'backend_unavailable'`, so other backends need not import this module's class.
 */
export function isBackendUnavailable(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === BACKEND_UNAVAILABLE;
}
