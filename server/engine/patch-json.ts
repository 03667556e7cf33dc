import { PatchAction, type JsonValue } from '../../protocol/index.js';
import type { PropertyChange } from './state-diff.js';

/**
 * A string with nothing `JSON.stringify` would escape: no quote, backslash, control character or UTF-16
 * surrogate (a lone one is escaped; a pair is not, but telling them apart is not worth it here).
 */
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A string as JSON text, exactly as `JSON.stringify` writes it. */
export function jsonString(text: string): string {
  return PLAIN_STRING.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** A JSON value as text, exactly as `JSON.stringify` writes it; scalars skip its generic walk. */
function jsonValue(value: JsonValue): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return jsonString(value);
    case 'number':
      // [ECMA-262 SerializeJSONProperty] a finite number is written as ToString(number), any other as null.
      return Number.isFinite(value) ? String(value) : 'null';
    default:
      return JSON.stringify(value);
  }
}

let lastType = '';
let lastInstance = '';
let lastFields = '';

/**
 * `"type":…,"instance":…` as JSON. An instance's events come in runs, and both its patch and its ack need
 * these: the last pair is kept, so a run skips the escaping checks and the joins.
 */
function instanceFields(type: string, instance: string): string {
  if (type !== lastType || instance !== lastInstance || lastFields === '') {
    lastFields = `"type":${jsonString(type)},"instance":${jsonString(instance)}`;
    lastType = type;
    lastInstance = instance;
  }
  return lastFields;
}

/**
 * The patch array of one applied change, byte for byte what `JSON.stringify` makes of its `bindUpdate`
 * patches (same keys, same order). Written by hand because this runs for every event, and Node 20's
 * `JSON.stringify` takes about as long on one small patch as the rest of the serialisation together.
 *
 * @example
 * bindUpdateBatchJson('Todo', 'main', 4, [{ prop: 'done', value: true }]);
 * // → '[{"action":"bindUpdate","type":"Todo","instance":"main","prop":"done","value":true,"rev":4}]'
 */
export function bindUpdateBatchJson(type: string, instance: string, rev: number, changes: readonly PropertyChange[]): string {
  const head = `{"action":"${PatchAction.BindUpdate}",${instanceFields(type, instance)},"prop":`;
  const tail = `,"rev":${rev}}`;
  let text = '[';
  for (let i = 0; i < changes.length; i++) {
    const { prop, value } = changes[i]!;
    text += `${i === 0 ? '' : ','}${head}${jsonString(prop)},"value":${jsonValue(value)}${tail}`;
  }
  return `${text}]`;
}

/** One `ack` patch (not in an array), byte for byte what `JSON.stringify` makes of it. */
export function ackJson(eventId: string, type: string, instance: string, rev: number): string {
  return `{"action":"${PatchAction.Ack}","eventId":${jsonString(eventId)},${instanceFields(type, instance)},"rev":${rev}}`;
}
