/**
 * An event POST answered with a 5xx that states no wait (a proxy's 502) is sent again, but not at once: each
 * failure in a row waits longer (backoff from 125–250 ms, doubling), so a failing server is not hammered,
 * and the event is applied once the server answers again. SSE only: over WS the server's own failure answers
 * always state their wait (`retryAfterMs`), which `test/server/failure-order.test.ts` covers.
 */
import '../../elements/index.js';
import { PageConnection } from '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { SERVER_ORIGIN, uid } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

interface Attempt {
  at: number;
  eventId: string;
  status: number;
}

const FAILURES = 3;
/** The shortest wait after the n-th failure in a row (n from 0): half of 250 ms · 2ⁿ. */
const shortestWait = (n: number) => 125 * 2 ** n;
/** Attempts cross the loopback and the server's loop: allow a little early arrival against the timer. */
const SLACK_MS = 15;

describe('retries after a 5xx without Retry-After (SSE)', () => {
  let connection: PageConnection | undefined;
  afterEach(() => connection?.close());

  it('back off, growing, and the event is then applied once', async () => {
    const clientId = crypto.randomUUID();
    connection = new PageConnection({ transport: 'sse', base: `${SERVER_ORIGIN}/flaky/`, clientId });
    const instance = uid('flaky');
    await new Promise<void>((resolve) => connection!.subscribe('Echo', instance, { ready: true }, (change) => change.kind === 'prop' && resolve()));
    const armed = await fetch(new URL('/test/flaky', SERVER_ORIGIN), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId, failures: FAILURES }),
    });
    equal(armed.status, 200);

    const result = await connection.send('Echo', instance, 'set', { note: 'after the outage' });
    ok(result.ok, `the event is applied in the end: ${JSON.stringify(result)}`);
    // The success is logged before the event is applied, so the log is complete once the result is in.
    const response = await fetch(new URL(`/test/flaky?clientId=${clientId}`, SERVER_ORIGIN));
    const attempts = (await response.json()) as Attempt[];
    equal(attempts.length, FAILURES + 1, 'three failures, one success: no burst of retries');
    equal(new Set(attempts.map((attempt) => attempt.eventId)).size, 1, 'the same event each time');
    equal(attempts.map((attempt) => attempt.status).join(','), '502,502,502,202');
    for (let n = 0; n < FAILURES; n++) {
      const gap = attempts[n + 1]!.at - attempts[n]!.at;
      ok(gap >= shortestWait(n) - SLACK_MS, `retry ${n + 1} came ${gap.toFixed(0)} ms after the failure; it must wait at least ${shortestWait(n)} ms`);
    }
  });
});
