import { PatchAction, type ClientEvent, type JsonValue, type Patch } from '../../protocol/index.js';
import { TransportKind } from '../connection/transport.js';
import type { Answer, EventOutcome, StreamEntry, TrafficEntry } from './traffic-entry.js';

// How entries read in `<na-traffic>`: one short line per event or patch (the row's JSON has everything).

/** Longest value shown in a line; the row's JSON shows it whole. */
const MAX_VALUE = 240;

/** Transport names as people say them. */
export function transportName(transport: TransportKind | undefined): string {
  return transport === TransportKind.Ws ? 'WS' : transport === TransportKind.Sse ? 'SSE' : '';
}

/** A JSON value on one line, cut at {@link MAX_VALUE} characters. */
export function shortJson(value: JsonValue | undefined): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** `12 ms`, `1.25 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Time since the page's time origin: `3.214 s`. */
export function sincePageLoad(at: number): string {
  return `${(at / 1000).toFixed(3)} s`;
}

/** The same time as an ISO 8601 duration, for `<time datetime>`. */
export function isoDuration(at: number): string {
  return `PT${(at / 1000).toFixed(3)}S`;
}

/** An event as sent: `add_todo {"title":"Milk"}`, `mount from @4`, `unmount`. */
export function eventLine(event: ClientEvent, resend: boolean): string {
  const payload = Object.keys(event.payload).length > 0 ? ` ${shortJson(event.payload)}` : '';
  const from = event.rev === undefined ? '' : ` from @${event.rev}`;
  return `${event.event}${from}${payload}${resend ? ' (again)' : ''}`;
}

/** One patch of a message; an ack or error names the event it answers when the log knew it. */
export function patchLine(patch: Patch, answers: readonly Answer[]): string {
  switch (patch.action) {
    case PatchAction.Snapshot:
      return `snapshot${patch.reset ? ' (reset: the instance started over)' : ''}`;
    case PatchAction.BindUpdate:
      // A snapshot's properties are indented under it.
      return `${patch.snapshot ? '  ' : 'bindUpdate '}${patch.prop} = ${shortJson(patch.value)}`;
    case PatchAction.Ack:
      return `ack${answeredName(patch.eventId, answers)}`;
    case PatchAction.Error:
      return `${errorLine(patch.code, patch.field, patch.message)}${answeredName(patch.eventId, answers)}`;
    case PatchAction.Schema:
      return `schema ${patch.type}`;
    default:
      return shortJson(patch as JsonValue);
  }
}

/** `error rejected (email): Enter a valid email address.` */
export function errorLine(code: string | undefined, field: string | undefined, message: string): string {
  return `error${code ? ` ${code}` : ''}${field ? ` (${field})` : ''}: ${message}`;
}

function answeredName(eventId: string | undefined, answers: readonly Answer[]): string {
  const event = answers.find((answer) => answer.eventId === eventId)?.event;
  return event ? ` of ${event}` : '';
}

/** What became of an event: `ack · 13 ms`, `error rejected · 20 ms`, `retry in 250 ms (rate_limited)`. */
export function outcomeText(outcome: EventOutcome): string {
  switch (outcome.kind) {
    case 'ack':
      return `ack · ${duration(outcome.afterMs)}`;
    case 'error':
      return `error${outcome.code ? ` ${outcome.code}` : ''} · ${duration(outcome.afterMs)}`;
    case 'retry':
      return `retry in ${duration(outcome.retryAfterMs)}${outcome.code ? ` (${outcome.code})` : ''} · ${duration(outcome.afterMs)}`;
  }
}

/** What a stream entry says: `live`, `dropped: the server closed the stream`, `fell back to SSE: …`. */
export function streamLine(entry: StreamEntry): string {
  switch (entry.state) {
    case 'live':
      return 'live';
    case 'attached':
      return 'live (before this panel listened)';
    case 'down':
      return `dropped: ${entry.reason ?? ''}`;
    case 'fallback':
      return `fell back to ${transportName(entry.transport)}: ${transportName(entry.from)} never connected (${entry.reason ?? ''})`;
  }
}

/** When a dropped stream tries again: `retry in 250 ms (attempt 1)`. */
export function streamRetry(entry: StreamEntry): string {
  return entry.retryInMs === undefined ? '' : `retry in ${duration(entry.retryInMs)} (attempt ${entry.attempt ?? 0})`;
}

/** The revisions a row is about: a message's (`3`, or `3–5`), or a sent event's once acknowledged. */
export function revisions(entry: TrafficEntry): string {
  if (entry.kind === 'sent') return entry.outcome?.kind === 'ack' ? String(entry.outcome.rev) : '';
  if (entry.kind !== 'received') return '';
  let low = Infinity;
  let high = -Infinity;
  for (const patch of entry.patches) {
    if (patch.action !== PatchAction.BindUpdate && patch.action !== PatchAction.Snapshot && patch.action !== PatchAction.Ack) continue;
    low = Math.min(low, patch.rev);
    high = Math.max(high, patch.rev);
  }
  return low === Infinity ? '' : low === high ? String(low) : `${low}–${high}`;
}
