import { parseJsonGuarded, validateClientEvent, type ClientEvent, type PostedEvent } from '../../protocol/index.js';
import { refusal, type Refusal } from './refusal.js';

/** A decoded event, or why it was refused (an HTTP answer over POST, an `error` patch over WebSocket). */
export type DecodedEvent<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/**
 * Decodes one event from JSON text: size limit, JSON syntax, prototype keys anywhere, then the shape.
 * `maxBytes` is checked on the text's UTF-8 length.
 */
export function decodeEvent(text: string, maxBytes: number, requireClientId: true): DecodedEvent<PostedEvent>;
export function decodeEvent(text: string, maxBytes: number, requireClientId: false): DecodedEvent<ClientEvent>;
export function decodeEvent(text: string, maxBytes: number, requireClientId: boolean): DecodedEvent<ClientEvent | PostedEvent> {
  // A UTF-8 byte is at most one UTF-16 unit, so short texts skip the byte count.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes)) {
    return { ok: false, refusal: refusal(413, 'too_large', `An event may be at most ${maxBytes} bytes.`) };
  }
  let parsed;
  try {
    parsed = parseJsonGuarded(text);
  } catch {
    return { ok: false, refusal: refusal(400, 'bad_json', 'The event is not valid JSON.') };
  }
  if (parsed.prototypeKey !== undefined) {
    return { ok: false, refusal: refusal(400, 'forbidden_key', `The key "${parsed.prototypeKey}" is not allowed in an event.`) };
  }
  const checked = requireClientId ? validateClientEvent(parsed.value, true) : validateClientEvent(parsed.value, false);
  if (!checked.ok) return { ok: false, refusal: refusal(400, checked.code, checked.message) };
  return checked;
}
