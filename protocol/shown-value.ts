import type { JsonValue } from './patch.js';

// How a page reads and shows a value, shared by the browser's bindings and the server's renderer: a page the
// server rendered shows exactly what the elements would show, so taking it over changes nothing.

/** A value as text: never parsed as HTML. */
export function displayText(value: JsonValue): string {
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Reads a dotted path inside a JSON value; own properties only. */
export function readPath(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = Array.isArray(current) ? current[Number(segment)] : current[segment];
  }
  return current;
}
