import type { LevelledLogger } from '../util/logger.js';
import { NascMetrics } from './metrics.js';
import { secretTagger } from './observer.js';
import { Reporter } from './reporter.js';
import { loadOtelApi, Tracing, type OtelApi } from './tracing.js';

/** `createNasc({ metrics })`: Prometheus metrics, counted in-process and served at `GET <mount>/metrics`. */
export interface MetricsOptions {
  /**
   * Serve them at `GET <mount>/metrics` on `nasc.app` (default `true`). `false`: only `nasc.metrics`, to
   * serve `nasc.metrics.prometheus()` yourself (on an internal port, behind your own middleware).
   */
  route?: boolean;
}

/**
 * `createNasc({ tracing })`: OpenTelemetry spans for events. By default they are on when `@opentelemetry/api`
 * is installed (loaded when `createNasc` runs; spans record once the app registers an SDK). `false` turns
 * them off; `{ api }` passes the API module itself (for a bundle, where it cannot be looked up by name).
 */
export type TracingOptions = boolean | { api: OtelApi };

/** What `createNasc` reports through, and the metrics it keeps when they are on. */
export interface Observation {
  readonly observer: Reporter;
  readonly metrics: NascMetrics | undefined;
}

/**
 * Makes the one observer of a Nasc server: its log lines go to `logger`, sessions in them are tagged under a
 * key made from `secret` (the session secret, so a session's tag is the same on every process), metrics are
 * kept when `metrics` is on, and tracing starts as soon as the OpenTelemetry API is found.
 */
export function observe(options: { logger: LevelledLogger; secret: Uint8Array; metrics?: boolean | MetricsOptions; tracing?: TracingOptions }): Observation {
  const metrics = options.metrics ? new NascMetrics() : undefined;
  const tag = secretTagger(options.secret);
  const observer = new Reporter({ logger: options.logger, tag, ...(metrics ? { metrics } : {}) });
  const tracing = options.tracing ?? true;
  if (typeof tracing === 'object') observer.traceWith(new Tracing(tracing.api, tag));
  else if (tracing) {
    void loadOtelApi().then((api) => {
      if (api) observer.traceWith(new Tracing(api, tag));
      else options.logger.debug('tracing off: @opentelemetry/api is not installed');
    });
  }
  return { observer, metrics };
}
