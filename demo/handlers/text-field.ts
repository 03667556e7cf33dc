import type { JsonObject } from 'nasc/protocol';
import { NascError } from 'nasc/server';

/**
 * A string field of an event payload, trimmed unless told otherwise. Anything that is not a string (a
 * hand-made event) is refused with a message about that field.
 */
export function textField(payload: JsonObject, field: string, options: { trim?: boolean } = {}): string {
  const value = payload[field] ?? '';
  if (typeof value !== 'string') throw new NascError(`"${field}" must be text.`, { field, code: 'bad_payload' });
  return options.trim === false ? value : value.trim();
}
