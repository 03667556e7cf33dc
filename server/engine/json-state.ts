import { isPrototypeKey, parseJsonGuarded, type JsonObject, type JsonValue } from '../../protocol/index.js';

/**
 * Returned by the walks below for a value whose JSON form they do not make themselves (a `toJSON`, an odd
 * prototype, a `bigint`, a prototype key, great depth): the whole state then takes the JSON round trip, whose
 * rules (and errors) are the reference.
 */
const NOT_PLAIN: unique symbol = Symbol('nasc.notPlain');
type Walked = JsonValue | undefined | typeof NOT_PLAIN;

/**
 * Deeper than this, the walks leave the value to `JSON.stringify` and `JSON.parse`: they recurse, and a cycle
 * must end in `JSON.stringify`'s own `TypeError`.
 */
const MAX_DEPTH = 64;

/** Set while {@link toJsonState} builds a state to be frozen: what it builds is frozen as it is built. */
let freezing = false;

/** `value` when it is a JSON object (not an array), else `undefined`. */
function objectOrNone(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/**
 * What a JSON round trip makes of a property value or array item (`undefined`: left out of an object, `null`
 * in an array), without the round trip. Each rule is the one `JSON.stringify` applies. `before` is the value
 * at the same place in the previous state: where the result would equal it exactly (key order included),
 * it is returned itself, so an unchanged part of a state is the previous state's (never changed: handlers
 * get copies, or are declared with `immutableState`) and the diff finds it unchanged by identity.
 */
function jsonValueOf(value: unknown, before: JsonValue | undefined, depth: number): Walked {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // A finite number round-trips as itself (-0 as 0); any other becomes null.
      return Number.isFinite(value) ? value + 0 : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return NOT_PLAIN;
    default:
      if (value === null) return null;
      // A part of the stored state kept where it was: JSON already, and unchanged (only a handler declared with
      // `immutableState` is given the stored state, and it changes none of it; others get copies).
      if (value === before) return before;
      if (depth >= MAX_DEPTH) return NOT_PLAIN;
      return Array.isArray(value) ? jsonArrayOf(value, Array.isArray(before) ? before : undefined, depth) : jsonObjectOf(value as object, objectOrNone(before), depth);
  }
}

function jsonArrayOf(value: unknown[], before: JsonValue[] | undefined, depth: number): Walked {
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
  // Built only once an item differs from `before`'s (or at once, without one of the same length).
  let array: JsonValue[] | undefined = before !== undefined && before.length === value.length ? undefined : [];
  for (let i = 0; i < value.length; i++) {
    const previous = before?.[i];
    const walked = jsonValueOf(value[i], previous, depth + 1);
    if (walked === NOT_PLAIN) return NOT_PLAIN;
    const item = walked === undefined ? null : walked;
    if (array === undefined) {
      if (item === previous) continue;
      array = before!.slice(0, i);
    }
    array.push(item);
  }
  return array === undefined ? before! : built(array);
}

function jsonObjectOf(value: object, before: JsonObject | undefined, depth: number): JsonObject | typeof NOT_PLAIN {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
  const source = value as Record<string, unknown>;
  // [ECMA-262 SerializeJSONObject] own enumerable string keys, in Object.keys order.
  const keys = Object.keys(source);
  // A whole state is always built anew (its properties may still be shared): one that equals the one before
  // is rare (the diff finds it anyway), and comparing keys would cost a flat state more than building it.
  const beforeKeys = before === undefined || depth === 0 ? undefined : Object.keys(before);
  // Built only once a key or value differs from `before`'s, from the `same` keys that did not.
  let object: JsonObject | undefined = beforeKeys === undefined ? {} : undefined;
  let same = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // parseJsonGuarded drops it: the round trip does the same.
    if (isPrototypeKey(key)) return NOT_PLAIN;
    // An inherited name (`toString`) as a hint is harmless: it is never a JSON value, so never shared.
    const previous = before?.[key];
    const item = jsonValueOf(source[key], previous, depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    if (object === undefined) {
      if (item !== undefined && item === previous && beforeKeys![same] === key) {
        same += 1;
        continue;
      }
      object = sharedKeys(before!, beforeKeys!, same);
    }
    if (item !== undefined) object[key] = item;
  }
  if (object !== undefined) return built(object);
  return same === beforeKeys!.length ? before! : built(sharedKeys(before!, beforeKeys!, same));
}

/** An object or array the walk built: frozen at once when the state is to be frozen (children come first). */
function built<T extends JsonObject | JsonValue[]>(value: T): T {
  return freezing ? Object.freeze(value) : value;
}

/** A new object with the first `count` of `before`'s keys and their values. */
function sharedKeys(before: JsonObject, keys: string[], count: number): JsonObject {
  const object: JsonObject = {};
  for (let i = 0; i < count; i++) object[keys[i]!] = before[keys[i]!]!;
  return object;
}

/**
 * A handler's result as JSON, the form it is stored, diffed and sent in: exactly what a JSON round trip
 * makes of it, with prototype keys dropped. Plain objects, arrays and scalars (nearly every state) are
 * copied by a walk that applies JSON's rules, several times cheaper than `JSON.stringify` and `JSON.parse`
 * on a list of objects; anything else takes the round trip itself. With `previous` (the state the handler
 * was given a copy of), the parts equal to it are its own objects (see {@link jsonValueOf}). With `freeze`,
 * the result is frozen deeply as {@link freezeState} freezes (what it shares with `previous` already is).
 */
export function toJsonState(value: unknown, previous?: JsonObject, freeze = false): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('a handler must return a plain object as state');
  }
  freezing = freeze;
  let walked;
  try {
    walked = jsonObjectOf(value, previous, 0);
  } finally {
    freezing = false;
  }
  if (walked !== NOT_PLAIN) return walked;
  const parsed = parseJsonGuarded(JSON.stringify(value)).value as JsonObject;
  return freeze ? freezeState(parsed) : parsed;
}

/**
 * A deep copy of JSON, the same as a round trip makes; past {@link MAX_DEPTH} the rest is copied by one. Each
 * object and array is copied whole (a spread, `slice`: V8 clones the layout at once, several times quicker
 * than setting key by key), then its object values are replaced by their copies.
 */
function copyJson(value: JsonValue, depth: number): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return JSON.parse(JSON.stringify(value)) as JsonValue;
  if (Array.isArray(value)) {
    const array = value.slice();
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (typeof item === 'object' && item !== null) array[i] = copyJson(item, depth + 1);
    }
    return array;
  }
  // A spread keeps an own `__proto__` key (a state another store parsed) a key, as JSON.parse does.
  const object: JsonObject = { ...value };
  for (const key in object) {
    const item = object[key];
    // `hasOwn`: an enumerable property someone added to Object.prototype is not the state's.
    if (typeof item === 'object' && item !== null && Object.hasOwn(object, key)) object[key] = copyJson(item, depth + 1);
  }
  return object;
}

/**
 * A copy of stored state for a handler to change freely. State is plain JSON (see {@link toJsonState}), so a
 * walk copies it exactly, in about half the time `JSON.parse` takes on its text and a fifth of
 * `structuredClone`'s.
 */
export function copyState(state: JsonObject): JsonObject {
  // A flat state (no value an object or array) is copied whole by a spread, quicker than key by key.
  for (const key in state) {
    const value = state[key];
    if (typeof value === 'object' && value !== null) return copyJson(state, 0) as JsonObject;
  }
  return { ...state };
}

/**
 * Freezes a stored state deeply, in place, and returns it: what a handler with `immutableState` is given
 * outside production. Children are frozen before their parent, so a frozen object's parts are all frozen and
 * the walk stops at one: a state whose unchanged parts are the previous (frozen) state's costs what is new in
 * it. Stored states are the engine's own objects (built by {@link toJsonState} or parsed by a store), never a
 * handler's, so nothing frozen here was frozen by anyone else.
 */
export function freezeState<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) freezeState(item);
  } else {
    for (const key in value) if (Object.hasOwn(value, key)) freezeState(value[key]!);
  }
  return Object.freeze(value);
}
