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

/** Redis replies that mean "not now" rather than "wrong command": the server is starting, failing over or busy. */
const TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|OOM)\b/;

/**
 * Maps an ioredis failure to {@link BackendUnavailableError} when it is about reaching Redis, and returns
 * `undefined` for anything else (a wrong-type reply, a script error: bugs that must stay 500s and be seen).
 */
export function toBackendError(error: unknown, what: string): BackendUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined;
  // ioredis reports server replies as ReplyError; everything else it throws is about the connection itself
  // (closed, not writable, timed out, retries exhausted, a socket error).
  if (error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) return undefined;
  return new BackendUnavailableError(`Redis unavailable during ${what}: ${error.message}`, { cause: error });
}

/** True for Redis's answer that it is full: `maxmemory` reached and nothing may be evicted. */
export function isOutOfMemoryReply(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && /^OOM\b/.test(error.message);
}
