import type { JsonValue } from './patch.js';

// Keys that could reach an object's prototype chain once a handler spreads or merges the payload.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether `key` is one {@link parseJsonGuarded} reports and drops: `__proto__`, `constructor` or `prototype`. */
export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

const MAYBE_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\u/;

/** The result of {@link parseJsonGuarded}: the value, and the first prototype key met (if any). */
export interface GuardedJson {
  value: JsonValue;
  prototypeKey?: string;
}

/**
 * `JSON.parse` that reports any `__proto__`, `constructor` or `prototype` key at any depth (and drops it from
 * the value), so the caller can refuse a hostile payload before it nears handler state. Throws `SyntaxError`
 * like `JSON.parse`.
 *
 * @example
 * parseJsonGuarded('{"a":{"__proto__":{"admin":true}}}'); // → { value: { a: {} }, prototypeKey: '__proto__' }
 */
export function parseJsonGuarded(text: string): GuardedJson {
  // Most texts cannot hold such a key at all (an escape could spell one, hence `\\u`): skip the reviver.
  if (!MAYBE_PROTOTYPE_KEY.test(text)) return { value: JSON.parse(text) as JsonValue };
  let prototypeKey: string | undefined;
  const value = JSON.parse(text, (key, item: JsonValue) => {
    if (!isPrototypeKey(key)) return item;
    prototypeKey ??= key;
    return undefined;
  }) as JsonValue;
  return prototypeKey === undefined ? { value } : { value, prototypeKey };
}
