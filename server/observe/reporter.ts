import type { ClientEvent } from '../../protocol/index.js';
import type { LevelledLogger } from '../util/logger.js';
import { eventFields, streamFields } from './event-log.js';
import type { NascMetrics } from './metrics.js';
import type { CutReason, EventAnswer, EventTrace, EventTransport, ObservedCaller, Observer, Phase, PhaseSpan, StreamTransport } from './observer.js';
import type { Tracing } from './tracing.js';

/** What a {@link Reporter} reports to: the logger always, metrics and tracing when they are on. */
export interface ReporterParts {
  logger: LevelledLogger;
  tag: (secret: string) => string;
  metrics?: NascMetrics;
}

/**
 * The one {@link Observer} `createNasc` makes: each call becomes a log line (built only when its level is
 * on), a metric (when metrics are on) and a span (once tracing is on). Events and resumes, streams opened
 * and closed are logged at `info`; cuts and store failures are counted (their own lines are written where
 * they happen, at `warn` and `error`).
 */
export class Reporter implements Observer {
  readonly tag: (secret: string) => string;
  readonly #logger: LevelledLogger;
  readonly #metrics: NascMetrics | undefined;
  #tracing: Tracing | undefined;

  constructor(parts: ReporterParts) {
    this.tag = parts.tag;
    this.#logger = parts.logger;
    this.#metrics = parts.metrics;
  }

  /** Tracing is on from now (the OpenTelemetry API is loaded once, after start). */
  traceWith(tracing: Tracing): void {
    this.#tracing = tracing;
  }

  startEvent(transport: EventTransport, event: ClientEvent): EventTrace | undefined {
    return this.#tracing?.startEvent(transport, event);
  }

  eventDone(
    transport: EventTransport,
    caller: ObservedCaller | undefined,
    event: ClientEvent | undefined,
    answer: EventAnswer,
    startedAt: number,
    trace: EventTrace | undefined,
  ): void {
    const totalMs = performance.now() - startedAt;
    const outcome = answer.outcome ?? 'refused';
    const metrics = this.#metrics;
    if (metrics) {
      metrics.event(transport, outcome, answer.code ?? '', totalMs, answer.handlerMs, event?.attempt);
      if (answer.resume) metrics.resumed(answer.resume.kind);
      if (outcome === 'error') metrics.backendError('store', answer.code ?? 'internal');
    }
    if (trace) this.#tracing?.endEvent(trace, outcome, answer);
    if (this.#logger.isLevelEnabled('info')) {
      this.#logger.info(answer.resume ? 'resume' : 'event', eventFields(transport, caller, event, answer, outcome, totalMs, this.tag));
    }
  }

  phase(name: Phase, eventId: string): PhaseSpan | undefined {
    return this.#tracing?.phase(name, eventId);
  }

  delivered(subscribers: number, eventId: string | undefined): void {
    this.#metrics?.delivered(subscribers);
    this.#tracing?.delivered(subscribers, eventId);
  }

  streamOpened(transport: StreamTransport, caller: ObservedCaller): void {
    this.#metrics?.streamOpened(transport);
    if (this.#logger.isLevelEnabled('info')) this.#logger.info('stream opened', streamFields(transport, caller, this.tag));
  }

  streamClosed(transport: StreamTransport, caller: ObservedCaller, reason: string): void {
    this.#metrics?.streamClosed(transport);
    if (this.#logger.isLevelEnabled('info')) this.#logger.info('stream closed', streamFields(transport, caller, this.tag, reason));
  }

  sent(transport: StreamTransport, bytes: number): void {
    this.#metrics?.sent(transport, bytes);
  }

  cut(transport: StreamTransport, reason: CutReason): void {
    this.#metrics?.cut(transport, reason);
  }

  backendError(source: 'store' | 'redis', kind: string): void {
    this.#metrics?.backendError(source, kind);
  }
}
