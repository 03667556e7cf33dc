import { BackendUnavailableError } from '../store/backend-unavailable.js';

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
