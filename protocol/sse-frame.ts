/**
 * Server-Sent Events framing. Every field written here is checked for line breaks: a caller-controlled CR or
 * LF inside a field would let it forge events, ids or retry hints.
 */

const LINE_BREAK = /[\r\n]/;

/** One SSE message: a single `data:` line holding a JSON text, an optional `id:`, and an optional `event:`. */
export interface SseMessage {
  data: string;
  id?: string;
  event?: string;
}

function checkField(name: string, value: string): string {
  // [spec] "The stream must not contain a line break inside a field value": a CR or LF ends the field.
  if (LINE_BREAK.test(value)) throw new TypeError(`SSE ${name} must not contain CR or LF`);
  return value;
}

/**
 * Formats one message as SSE bytes. `data` must be a single line, which `JSON.stringify` output always is
 * (it escapes U+000A and U+000D inside strings).
 *
 * @example
 * formatSseMessage({ data: '[{"action":"error","message":"x"}]', id: '7' });
 * // → 'id: 7\ndata: [{"action":"error","message":"x"}]\n\n'
 */
export function formatSseMessage(message: SseMessage): string {
  let frame = '';
  if (message.event !== undefined) frame += `event: ${checkField('event', message.event)}\n`;
  if (message.id !== undefined) {
    // [spec] "If the field value does not contain U+0000 NULL, then set the last event ID buffer": a NUL
    // would make browsers silently keep the old id.
    if (message.id.includes('\u0000')) throw new TypeError('SSE id must not contain NUL');
    frame += `id: ${checkField('id', message.id)}\n`;
  }
  return `${frame}data: ${checkField('data', message.data)}\n\n`;
}

/** A keepalive: a comment line, ignored by every SSE parser, that keeps proxies from closing an idle stream. */
export const SSE_KEEPALIVE = ':\n\n';

/** A comment line (any CR or LF in `text` becomes a space): a reason a stream closes, shown in dev tools. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

/** The reconnection delay hint, in milliseconds, sent once when a stream opens. */
export function formatSseRetry(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 0) throw new RangeError('retry must be a non-negative integer');
  return `retry: ${milliseconds}\n\n`;
}
