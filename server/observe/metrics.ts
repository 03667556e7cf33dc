import { DURATION_BUCKETS, FAN_OUT_BUCKETS, Histogram } from './histogram.js';
import type { Registry } from 'prom-client';
import { prometheusRegistry } from './prometheus-registry.js';
import type { MetricFamily, MetricSample } from './metric-family.js';
import type { CutReason, EventOutcome, EventTransport, ResumeKind, StreamTransport } from './observer.js';

const STREAM_TRANSPORTS: readonly StreamTransport[] = ['sse', 'ws'];
const EVENT_TRANSPORTS: readonly EventTransport[] = ['sse', 'ws', 'server'];
const OUTCOMES: readonly EventOutcome[] = ['applied', 'unchanged', 'duplicate', 'rejected', 'failed', 'mounted', 'unmounted', 'refused', 'error'];
const RESUME_KINDS: readonly ResumeKind[] = ['replay', 'snapshot', 'reset'];
const CUT_REASONS: readonly CutReason[] = ['slow', 'refused_frames'];

/** Per event transport: a slot index (no string is built or hashed to find a counter). */
const EVENT_SLOT: Readonly<Record<EventTransport, number>> = { sse: 0, ws: 1, server: 2 };
const OUTCOME_SLOT = Object.fromEntries(OUTCOMES.map((outcome, index) => [outcome, index])) as Readonly<Record<EventOutcome, number>>;

/**
 * Nasc's metrics of one process, kept as plain numbers: recording one is an array slot or a field, the only
 * lookup a code in a small map, and nothing is allocated. They are read as samples ({@link families}), by
 * `/metrics` in Prometheus's text format and in-process through {@link value}, so both show the same numbers.
 */
export class NascMetrics {
  #registry: Promise<Registry> | undefined;
  readonly #streamsOpened = [0, 0];
  readonly #streamsClosed = [0, 0];
  readonly #cuts = [
    [0, 0],
    [0, 0],
  ];
  readonly #bytesSent = [0, 0];
  readonly #messagesSent = [0, 0];
  /** Per transport and outcome, the count per code ('' for none). */
  readonly #events: Map<string, number>[] = Array.from({ length: EVENT_TRANSPORTS.length * OUTCOMES.length }, () => new Map());
  readonly #retries = [0, 0, 0];
  readonly #durations = EVENT_TRANSPORTS.map(() => new Histogram(DURATION_BUCKETS));
  readonly #handlerTime = new Histogram(DURATION_BUCKETS);
  readonly #fanOut = new Histogram(FAN_OUT_BUCKETS);
  readonly #resumes = new Map<ResumeKind, number>();
  /** Per `source\u0000kind`: few of either, and errors are rare. */
  readonly #backendErrors = new Map<string, number>();

  streamOpened(transport: StreamTransport): void {
    this.#streamsOpened[transport === 'sse' ? 0 : 1]! += 1;
  }

  streamClosed(transport: StreamTransport): void {
    this.#streamsClosed[transport === 'sse' ? 0 : 1]! += 1;
  }

  cut(transport: StreamTransport, reason: CutReason): void {
    this.#cuts[transport === 'sse' ? 0 : 1]![reason === 'slow' ? 0 : 1]! += 1;
  }

  sent(transport: StreamTransport, bytes: number): void {
    const slot = transport === 'sse' ? 0 : 1;
    this.#bytesSent[slot]! += bytes;
    this.#messagesSent[slot]! += 1;
  }

  /** One event answered: its outcome and code, how long it took in all and in its handler, its attempt. */
  event(transport: EventTransport, outcome: EventOutcome, code: string, totalMs: number, handlerMs: number | undefined, attempt: number | undefined): void {
    const slot = EVENT_SLOT[transport];
    const counts = this.#events[slot * OUTCOMES.length + OUTCOME_SLOT[outcome]]!;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    this.#durations[slot]!.observe(totalMs / 1000);
    if (handlerMs !== undefined) this.#handlerTime.observe(handlerMs / 1000);
    if (attempt !== undefined && attempt > 1) this.#retries[slot]! += 1;
  }

  resumed(kind: ResumeKind): void {
    this.#resumes.set(kind, (this.#resumes.get(kind) ?? 0) + 1);
  }

  delivered(subscribers: number): void {
    this.#fanOut.observe(subscribers);
  }

  backendError(source: 'store' | 'redis', kind: string): void {
    const key = `${source}\u0000${kind}`;
    this.#backendErrors.set(key, (this.#backendErrors.get(key) ?? 0) + 1);
  }

  /** Every metric with its samples, as `/metrics` writes them. */
  families(): MetricFamily[] {
    const perStream = (values: readonly number[]) => STREAM_TRANSPORTS.map((transport, index) => ({ transport, value: values[index]! }));
    const events: MetricSample[] = [];
    EVENT_TRANSPORTS.forEach((transport, slot) =>
      OUTCOMES.forEach((outcome, index) => {
        for (const [code, value] of this.#events[slot * OUTCOMES.length + index]!) events.push({ name: 'nasc_events_total', labels: { transport, outcome, code }, value });
      }),
    );
    return [
      counterOf('nasc_streams_opened_total', 'Streams opened, by transport.', perStream(this.#streamsOpened)),
      {
        name: 'nasc_streams_open',
        type: 'gauge',
        help: 'Streams open now, by transport.',
        samples: STREAM_TRANSPORTS.map((transport, index) => ({ name: 'nasc_streams_open', labels: { transport }, value: this.#streamsOpened[index]! - this.#streamsClosed[index]! })),
      },
      {
        name: 'nasc_streams_cut_total',
        type: 'counter',
        help: 'Streams cut because of their client: it read too slowly (slow) or sent too many refused frames (refused_frames).',
        samples: STREAM_TRANSPORTS.flatMap((transport, index) =>
          CUT_REASONS.map((reason, which) => ({ name: 'nasc_streams_cut_total', labels: { transport, reason }, value: this.#cuts[index]![which]! })),
        ),
      },
      { name: 'nasc_events_total', type: 'counter', help: 'Events answered, by transport, outcome and code.', samples: events },
      histogramOf('nasc_event_duration_seconds', 'Time from an event coming in to its answer (its patches handed to the streams), by transport.', EVENT_TRANSPORTS.map((transport, slot) => [{ transport }, this.#durations[slot]!])),
      histogramOf('nasc_event_handler_seconds', "Time an event's handler ran.", [[{}, this.#handlerTime]]),
      counterOf('nasc_outbox_retries_total', 'Events a client sent again (attempt 2 or more), by transport.', EVENT_TRANSPORTS.map((transport, slot) => ({ transport, value: this.#retries[slot]! }))),
      counterOf('nasc_patch_bytes_sent_total', 'Characters of patch messages written to streams (bytes for ASCII), by transport.', perStream(this.#bytesSent)),
      counterOf('nasc_messages_sent_total', 'Patch messages written to streams, by transport.', perStream(this.#messagesSent)),
      counterOf('nasc_resumes_total', 'Mounts that named the revision their client holds, by how they were answered.', RESUME_KINDS.map((kind) => ({ kind, value: this.#resumes.get(kind) ?? 0 }))),
      histogramOf('nasc_fanout_streams', 'Streams on this process that one batch reached.', [[{}, this.#fanOut]]),
      counterOf(
        'nasc_backend_errors_total',
        'Failures of the store (events answered backend_unavailable or internal) and of Redis (unavailable, full, connection).',
        [...this.#backendErrors].map(([key, value]) => {
          const [source, kind] = key.split('\u0000') as [string, string];
          return { source, kind, value };
        }),
      ),
    ];
  }

  /**
   * A prom-client registry over these metrics (made once, on first use: prom-client is loaded then): what
   * `GET <mount>/metrics` writes, and what an app merges with its own registry.
   */
  registry(): Promise<Registry> {
    return (this.#registry ??= prometheusRegistry(this));
  }

  /** Every metric in Prometheus's text format: what `GET <mount>/metrics` answers. */
  async prometheus(): Promise<string> {
    return (await this.registry()).metrics();
  }

  /**
   * The sum of the samples of `name` whose labels include `labels`: the same numbers `/metrics` shows. A
   * histogram's are `<name>_count`, `<name>_sum` and `<name>_bucket` (with `le`).
   *
   * @example
   * nasc.metrics.value('nasc_events_total', { outcome: 'applied' });
   */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let total = 0;
    for (const family of this.families()) {
      for (const sample of family.samples) {
        if (sample.name !== name) continue;
        if (Object.entries(labels).every(([label, value]) => sample.labels[label] === value)) total += sample.value;
      }
    }
    return total;
  }
}

function counterOf(name: string, help: string, rows: readonly (Record<string, string | number> & { value: number })[]): MetricFamily {
  return {
    name,
    type: 'counter',
    help,
    samples: rows.map(({ value, ...labels }) => ({ name, labels: labels as Record<string, string>, value })),
  };
}

function histogramOf(name: string, help: string, series: readonly (readonly [Record<string, string>, Histogram])[]): MetricFamily {
  const samples: MetricSample[] = [];
  for (const [labels, histogram] of series) {
    const cumulative = histogram.cumulative();
    histogram.bounds.forEach((bound, index) => samples.push({ name: `${name}_bucket`, labels: { ...labels, le: String(bound) }, value: cumulative[index]! }));
    samples.push({ name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: histogram.count });
    samples.push({ name: `${name}_sum`, labels, value: histogram.sum });
    samples.push({ name: `${name}_count`, labels, value: histogram.count });
  }
  return { name, type: 'histogram', help, samples };
}
