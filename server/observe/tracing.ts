import type { ClientEvent } from '../../protocol/index.js';
import { loggedEventId, type EventAnswer, type EventOutcome, type EventTrace, type EventTransport, type Phase, type PhaseSpan } from './observer.js';

/** The part of an OpenTelemetry span Nasc uses. */
export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  isRecording(): boolean;
  end(): void;
}

/** An OpenTelemetry context, opaque here. */
export type OtelContext = object;

/** The part of `@opentelemetry/api` Nasc uses: pass the module itself (`import * as api from '@opentelemetry/api'`). */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): { startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }, context?: OtelContext): OtelSpan };
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  context: { active(): OtelContext };
  SpanKind: { INTERNAL: number; SERVER: number };
  SpanStatusCode: { ERROR: number };
}

/** The package Nasc looks for; a variable, so that nothing fails to build or bundle where it is not installed. */
const OTEL_PACKAGE = '@opentelemetry/api';

/** In-flight events' traces kept at most, so that traces never ended (a bug elsewhere) cannot pile up. */
const MAX_IN_FLIGHT = 10_000;

/** Outcomes whose span is marked as an error: the event was not processed. */
const ERROR_OUTCOMES: ReadonlySet<EventOutcome> = new Set(['failed', 'error']);

class Trace implements EventTrace {
  readonly eventId: string | undefined;
  readonly span: OtelSpan;
  readonly context: OtelContext;

  constructor(eventId: string | undefined, span: OtelSpan, context: OtelContext) {
    this.eventId = eventId;
    this.span = span;
    this.context = context;
  }
}

/**
 * OpenTelemetry spans for events: one `nasc.event` span per event, a child of whatever span was active where
 * it came in (the POST's server span when the app instruments HTTP), with children `nasc.handler`,
 * `nasc.commit` and `nasc.publish`, and `nasc.deliver` where its batch reached this process's streams. An
 * event is found by its id, not through the async context, which in the instance's queue is another event's.
 * With the API but no SDK registered, spans do not record: one non-recording span per event is all it costs.
 */
export class Tracing {
  readonly #api: OtelApi;
  readonly #tag: (secret: string) => string;
  readonly #tracer: ReturnType<OtelApi['trace']['getTracer']>;
  readonly #inFlight = new Map<string, Trace>();

  /** `tag`: the keyed tag event ids are shown under (see `loggedEventId`). */
  constructor(api: OtelApi, tag: (secret: string) => string) {
    this.#api = api;
    this.#tag = tag;
    this.#tracer = api.trace.getTracer('nasc');
  }

  startEvent(transport: EventTransport, event: ClientEvent): EventTrace | undefined {
    const parent = this.#api.context.active();
    const span = this.#tracer.startSpan('nasc.event', { kind: this.#api.SpanKind.INTERNAL }, parent);
    if (!span.isRecording()) {
      span.end();
      return undefined;
    }
    span.setAttribute('nasc.transport', transport);
    span.setAttribute('nasc.type', event.type);
    span.setAttribute('nasc.instance', event.instance);
    span.setAttribute('nasc.event', event.event);
    if (event.attempt !== undefined) span.setAttribute('nasc.attempt', event.attempt);
    const trace = new Trace(event.eventId, span, this.#api.trace.setSpan(parent, span));
    if (event.eventId !== undefined) {
      span.setAttribute('nasc.event_id', loggedEventId(event.eventId, this.#tag)!);
      if (this.#inFlight.size >= MAX_IN_FLIGHT) this.#inFlight.clear();
      this.#inFlight.set(event.eventId, trace);
    }
    return trace;
  }

  endEvent(trace: EventTrace, outcome: EventOutcome, answer: EventAnswer): void {
    const { span, eventId } = trace as Trace;
    if (eventId !== undefined && this.#inFlight.get(eventId) === trace) this.#inFlight.delete(eventId);
    span.setAttribute('nasc.outcome', outcome);
    if (answer.code !== undefined) span.setAttribute('nasc.code', answer.code);
    if (answer.rev !== undefined) span.setAttribute('nasc.rev', answer.rev);
    if (answer.resume) span.setAttribute('nasc.resume', answer.resume.kind);
    if (ERROR_OUTCOMES.has(outcome)) span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: answer.code ?? outcome });
    span.end();
  }

  phase(name: Phase, eventId: string): PhaseSpan | undefined {
    if (this.#inFlight.size === 0) return undefined;
    const trace = this.#inFlight.get(eventId);
    if (!trace) return undefined;
    const span = this.#tracer.startSpan(`nasc.${name}`, { kind: this.#api.SpanKind.INTERNAL }, trace.context);
    const api = this.#api;
    return {
      end(error?: unknown) {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  delivered(subscribers: number, eventId: string | undefined): void {
    if (eventId === undefined || this.#inFlight.size === 0) return;
    const trace = this.#inFlight.get(eventId);
    if (!trace) return;
    const span = this.#tracer.startSpan('nasc.deliver', { kind: this.#api.SpanKind.INTERNAL, attributes: { 'nasc.subscribers': subscribers } }, trace.context);
    span.end();
  }
}

/**
 * The OpenTelemetry API when it is installed (an optional peer dependency), loaded on first use; `undefined`
 * when it is not.
 */
export async function loadOtelApi(): Promise<OtelApi | undefined> {
  try {
    const loaded = (await import(OTEL_PACKAGE)) as OtelApi & { default?: OtelApi };
    return typeof loaded.trace?.getTracer === 'function' ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}
