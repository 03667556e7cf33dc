/**
 * Exponential backoff with jitter: attempt n waits a random time in [base·2ⁿ/2, base·2ⁿ], capped. The first
 * wait (150–300 ms) is short, so that pages of a process that died are live again on another within a
 * second; the jitter spreads them so that they do not all arrive at once.
 */
export function backoffDelay(attempt: number, baseMs = 300, maxMs = 15_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
