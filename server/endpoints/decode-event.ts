import { parseJsonGuarded, validateClientEvent, type ClientEvent, type PostedEvent } from '../../protocol/index.js';

/** A decoded event, or why it was refused (`status` is the HTTP answer; WS sends the same as an `error` patch). */
export type DecodedEvent<T> = { ok: true; value: T } | { ok: false; status: 400 | 413; code: string; message: string };

/**
 * Decodes one event from JSON text: size limit, JSON syntax, prototype keys anywhere, then the shape.
 * `maxBytes` is checked on the text's UTF-8 length.
 */
export function decodeEvent(text: string, maxBytes: number, requireClientId: true): DecodedEvent<PostedEvent>;
export function decodeEvent(text: string, maxBytes: number, requireClientId: false): DecodedEvent<ClientEvent>;
export function decodeEvent(text: string, maxBytes: number, requireClientId: boolean): DecodedEvent<ClientEvent | PostedEvent> {
  // A UTF-8 byte is at most one UTF-16 unit, so short texts skip the byte count.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes)) {
    return { ok: false, status: 413, code: 'too_large', message: `An event may be at most ${maxBytes} bytes.` };
  }
  let parsed;
  try {
    parsed = parseJsonGuarded(text);
  } catch {
    return { ok: false, status: 400, code: 'bad_json', message: 'The event is not valid JSON.' };
  }
  if (parsed.prototypeKey !== undefined) {
    return { ok: false, status: 400, code: 'forbidden_key', message: `The key "${parsed.prototypeKey}" is not allowed in an event.` };
  }
  const checked = requireClientId ? validateClientEvent(parsed.value, true) : validateClientEvent(parsed.value, false);
  if (!checked.ok) return { ok: false, status: 400, code: checked.code, message: checked.message };
  return checked;
}
