import { html, nothing, type TemplateResult } from 'lit';
import type { TrafficEntry } from './traffic-entry.js';
import {
  errorLine,
  eventLine,
  isoDuration,
  outcomeText,
  patchLine,
  revisions,
  sincePageLoad,
  streamLine,
  streamRetry,
  transportName,
} from './traffic-text.js';

/** The table's columns, in order: the headings, and the class of each row's cell. */
export const COLUMNS = [
  ['time', 'Time'],
  ['dir', 'Direction'],
  ['instance', 'Instance'],
  ['message', 'Message'],
  ['rev', 'Rev'],
  ['result', 'Result'],
  ['via', 'Via'],
  ['json', 'JSON'],
] as const;

const DIRECTIONS = { sent: ['↑', 'sent'], received: ['↓', 'received'], error: ['!', 'error'], stream: ['⇄', 'stream'] } as const;

/** The id of a row's JSON row, for `aria-controls`. */
function jsonRowId(entry: TrafficEntry): string {
  return `json-${entry.id}`;
}

/**
 * One entry as a table row, and its JSON below it when expanded. The JSON button carries the entry's id
 * (`data-entry`): the table handles every click in one listener, so rows bind no function of their own.
 * A `fresh` row is highlighted as it appears.
 */
export function trafficRow(entry: TrafficEntry, expanded: boolean, fresh: boolean): TemplateResult {
  const [arrow, direction] = DIRECTIONS[entry.kind];
  return html`<tr role="row" class=${fresh ? 'entry fresh' : 'entry'} data-kind=${entry.kind} part="row">
      <td role="cell" class="time"><time datetime=${isoDuration(entry.at)}>${sincePageLoad(entry.at)}</time></td>
      <td role="cell" class="dir"><span aria-hidden="true">${arrow}</span> ${direction}</td>
      <td role="cell" class="instance">${entry.instances.map((ref) => html`<span>${ref.type}/<wbr>${ref.instance}</span>`)}</td>
      <td role="cell" class="message">${messageLines(entry).map((line) => html`<code>${line}</code>`)}</td>
      <td role="cell" class="rev">${revisions(entry)}</td>
      <td role="cell" class="result">${results(entry).map(([kind, text]) => html`<span class=${kind}>${text}</span>`)}</td>
      <td role="cell" class="via">${entry.kind === 'stream' && entry.from ? `${transportName(entry.from)} → ${transportName(entry.transport)}` : transportName(entry.transport)}</td>
      <td role="cell" class="json">
        <button type="button" data-entry=${entry.id} aria-expanded=${expanded ? 'true' : 'false'} aria-controls=${expanded ? jsonRowId(entry) : nothing}>JSON</button>
      </td>
    </tr>
    ${expanded
      ? html`<tr role="row" class="json-row" id=${jsonRowId(entry)} part="json"><td role="cell" colspan=${COLUMNS.length}><pre>${JSON.stringify(entryJson(entry), null, 2)}</pre></td></tr>`
      : nothing}`;
}

function messageLines(entry: TrafficEntry): string[] {
  switch (entry.kind) {
    case 'sent':
      return [eventLine(entry.event, entry.resend)];
    case 'received':
      return entry.patches.map((patch) => patchLine(patch, entry.answers));
    case 'error':
      return [errorLine(entry.error.code, entry.error.field, entry.error.message)];
    case 'stream':
      return [streamLine(entry)];
  }
}

/** The result cell's lines, each with its kind (`ack`, `error`, `retry`, `waiting`) for colour. */
function results(entry: TrafficEntry): [kind: string, text: string][] {
  switch (entry.kind) {
    case 'sent':
      if (entry.outcome) return [[entry.outcome.kind, outcomeText(entry.outcome)]];
      // Unmounts carry no event id: nothing answers them.
      return entry.event.eventId === undefined ? [] : [['waiting', 'waiting…']];
    case 'received':
      return entry.answers.map(({ outcome }) => [outcome.kind, outcomeText(outcome)]);
    case 'error':
      return entry.answer ? [[entry.answer.outcome.kind, outcomeText(entry.answer.outcome)]] : [];
    case 'stream':
      return entry.retryInMs === undefined ? [] : [['retry', streamRetry(entry)]];
  }
}

/** What the row's JSON shows: the event, the message or the error exactly as the connection reported it. */
function entryJson(entry: TrafficEntry): unknown {
  switch (entry.kind) {
    case 'sent':
      return entry.event;
    case 'received':
      return entry.patches;
    case 'error':
      return entry.error;
    case 'stream': {
      const { state, transport, from, reason, attempt, retryInMs } = entry;
      return { state, transport, from, reason, attempt, retryInMs };
    }
  }
}
