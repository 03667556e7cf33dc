import type { JsonObject, JsonValue } from '../../protocol/index.js';

/** Deep equality of JSON values in which key order does not count. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const key of keysA) {
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false;
  }
  return true;
}

/** One changed top-level property; `value: null` when it was removed. */
export interface PropertyChange {
  prop: string;
  value: JsonValue;
}

/**
 * The top-level properties that differ between two states, in the new state's key order, then removed keys
 * (sent as `null`: a client must clear what it shows rather than keep a stale value).
 */
export function diffState(before: JsonObject, after: JsonObject): PropertyChange[] {
  const changes: PropertyChange[] = [];
  for (const prop of Object.keys(after)) {
    if (!Object.hasOwn(before, prop) || !jsonEqual(before[prop], after[prop])) {
      changes.push({ prop, value: after[prop]! });
    }
  }
  for (const prop of Object.keys(before)) {
    if (!Object.hasOwn(after, prop)) changes.push({ prop, value: null });
  }
  return changes;
}
