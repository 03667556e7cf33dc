/** Exponential backoff with full jitter: attempt n waits a random time in [base·2ⁿ/2, base·2ⁿ], capped. */
export function backoffDelay(attempt: number, baseMs = 500, maxMs = 15_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
