import { isPrototypeKey, parseJsonGuarded, type JsonObject } from '../../protocol/index.js';

/**
 * Where a state made here keeps the JSON text it was parsed from. A store that hands back the very object it
 * was given (the memory store does) then gets its next copy from one `JSON.parse`, without serialising the
 * state again. A symbol key is invisible to `JSON.stringify`,
 * `Object.keys`, object spread (it is not enumerable) and the handler's copy.
 */
const STATE_TEXT = Symbol('nasc.stateText');

type MarkedState = JsonObject & { [STATE_TEXT]?: string };

/**
 * What a JSON round trip makes of a flat object (scalars only), without the round trip; `undefined` when the
 * object is not one (a nested value, an odd prototype, `toJSON`, a `bigint`, a prototype key): those take
 * the round trip itself. Each rule is the one `JSON.stringify` applies to a property value.
 */
function flatJsonState(value: object): MarkedState | undefined {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const source = value as Record<string, unknown>;
  const state: MarkedState = {};
  // [ECMA-262 SerializeJSONObject] own enumerable string keys, in Object.keys order.
  for (const key of Object.keys(source)) {
    // parseJsonGuarded drops it: the JSON path below does the same.
    if (isPrototypeKey(key)) return undefined;
    const item = source[key];
    switch (typeof item) {
      case 'string':
      case 'boolean':
        state[key] = item;
        break;
      case 'number':
        // A finite number round-trips as itself (-0 as 0); any other becomes null.
        state[key] = Number.isFinite(item) ? item + 0 : null;
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        // Left out, as JSON.stringify leaves them out of an object.
        break;
      default:
        if (item !== null) return undefined;
        state[key] = null;
    }
  }
  return state;
}

/**
 * A handler's result as JSON, the form it is stored, diffed and sent in: exactly what a JSON round trip
 * makes of it, with prototype keys dropped. A flat state (scalars only, the common case) is copied property
 * by property, which is cheaper than the round trip.
 */
export function toJsonState(value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('a handler must return a plain object as state');
  }
  const flat = flatJsonState(value);
  if (flat) return flat;
  const text = JSON.stringify(value);
  const state = parseJsonGuarded(text).value as MarkedState;
  Object.defineProperty(state, STATE_TEXT, { value: text });
  return state;
}

/**
 * A copy of stored state for a handler to change freely. State is plain JSON (see {@link toJsonState}), so a
 * JSON round trip copies it exactly, and V8 does it in about half the time `structuredClone` takes; a flat
 * state (no value an object or array) is copied whole by a spread.
 */
export function copyState(state: JsonObject): JsonObject {
  const text = (state as MarkedState)[STATE_TEXT];
  if (text !== undefined) return JSON.parse(text) as JsonObject;
  // Checked here, not marked when made: marking an object (a symbol property) cost more than this loop.
  for (const key in state) {
    const value = state[key];
    if (typeof value === 'object' && value !== null) return JSON.parse(JSON.stringify(state)) as JsonObject;
  }
  return { ...state };
}
