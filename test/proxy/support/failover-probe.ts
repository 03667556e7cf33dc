import { answerStatus } from './answer-status.js';

/** How one request through the proxy was answered (a status, or why it failed), and how long it took. */
export interface ProbeAnswer {
  answer: string;
  ms: number;
}

/**
 * Two `GET /nasc/health` in a row through the proxy, right after a process died: before any health check
 * noticed, a round-robin balancer sends one of them to the dead process, and must pass it on to a live one.
 */
export async function probeFailover(origin: string): Promise<ProbeAnswer[]> {
  const answers: ProbeAnswer[] = [];
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    const answer = await answerStatus(`${origin}/nasc/health`, 10_000).then(String, (error: unknown) => (error instanceof Error ? error.message : String(error)));
    answers.push({ answer, ms: performance.now() - started });
  }
  return answers;
}

export function describeProbes(answers: readonly ProbeAnswer[]): string {
  return answers.map(({ answer, ms }) => `${answer} in ${ms.toFixed(0)} ms`).join(', ');
}
