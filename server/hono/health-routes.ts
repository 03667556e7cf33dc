import type { Hono } from 'hono';
import type { Broker } from '../broker/broker.js';
import type { NascEngine } from '../engine/engine.js';
import { refusal } from '../endpoints/refusal.js';
import { writeRefusal } from './answer.js';

/** How long `/ready` waits for the store before it answers "not ready". */
const READY_TIMEOUT_MS = 2_000;

/** A broker that can tell whether it is connected (the Redis broker: subscribed and able to publish). */
interface ReadinessReporter {
  readonly ready: boolean;
}

function reportsReadiness(broker: Broker | undefined): broker is Broker & ReadinessReporter {
  return broker !== undefined && typeof (broker as Partial<ReadinessReporter>).ready === 'boolean';
}

/**
 * `GET /health` (liveness: the process answers, so restarting it would not help) and `GET /ready`
 * (readiness: the store answers within 2 s and the broker, when it can tell, is connected; a load balancer
 * sends no new clients to a process that is not ready). Neither needs a session, and neither says why in
 * detail: the body is only `{ok: true}` or `{error, code: 'not_ready'}`.
 */
export function addHealthRoutes(app: Hono, engine: NascEngine, broker?: Broker): void {
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/ready', async (c) => {
    if (reportsReadiness(broker) && !broker.ready) return writeRefusal(c, refusal(503, 'not_ready', 'The message broker is not connected.'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    // Loading an instance that never exists is one round trip to any store, and changes nothing. A store
    // may answer at once, or throw at once: the async function makes either a promise.
    const probe = (async () => engine.store.load('nasc-ready-probe', 'probe'))().then(
      () => true,
      () => false,
    );
    const reachable = await Promise.race([probe, timedOut]);
    clearTimeout(timer);
    if (!reachable) return writeRefusal(c, refusal(503, 'not_ready', 'The store is not reachable.'));
    return c.json({ ok: true });
  });
}
