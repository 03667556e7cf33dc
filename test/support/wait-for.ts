import { DEFAULT_TIMEOUT_MS } from './message-queue.js';

/** How often a condition is checked: short, since the wait ends at the first check that passes. */
const POLL_MS = 5;

/**
 * Waits until `condition()` holds, checking every few milliseconds, for server-side state no message
 * reports (e.g. the number of open streams). Rejects with `description` after `timeoutMs`.
 *
 * @example
 * await waitFor(() => server.nasc.engine.connectionCount === 0, 'every stream unregistered');
 */
export async function waitFor(condition: () => boolean, description: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
