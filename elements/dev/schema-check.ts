import type { JsonObject, JsonValue } from '../../protocol/index.js';
import { warnOnce } from './dev-mode.js';

/** Resolves `{ $ref: '#/$defs/X' }` through `lookup`, one level at a time. */
export function resolveSchema(schema: JsonValue | undefined, lookup: (type: string) => JsonObject | undefined): JsonObject | undefined {
  let current = schema;
  for (let depth = 0; depth < 8; depth++) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    const ref = current.$ref;
    if (typeof ref !== 'string') return current;
    const match = /^#\/\$defs\/(.+)$/.exec(ref);
    current = match ? lookup(decodeURIComponent(match[1]!)) : undefined;
  }
  return undefined;
}

function jsonType(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: JsonValue | undefined, actual: string): boolean {
  if (expected === undefined) return true;
  const allowed = Array.isArray(expected) ? expected.map(String) : [String(expected)];
  return allowed.includes(actual) || (actual === 'integer' && allowed.includes('number')) || actual === 'null';
}

/**
 * Dev-mode check of one binding against its scope's schema: warns once when the top-level property is not in
 * the schema, or when the value has another type than the schema says.
 */
export function checkBinding(
  element: Element,
  schema: JsonObject | undefined,
  type: string,
  path: string,
  value: JsonValue | undefined,
  lookup: (type: string) => JsonObject | undefined,
): void {
  if (globalThis.NASC_DEV_MODE === false || !schema || path === '.' || path.startsWith('$')) return;
  const properties = schema.properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return;
  const prop = path.split('.')[0]!;
  if (!Object.hasOwn(properties, prop)) {
    warnOnce(`schema-prop:${type}:${prop}`, `<na-bind prop="${path}"> binds "${prop}", which the schema of "${type}" does not declare.`, element);
    return;
  }
  if (value === undefined || path.includes('.')) return;
  const propertySchema = resolveSchema(properties[prop], lookup);
  const actual = jsonType(value);
  if (propertySchema && !typeMatches(propertySchema.type, actual)) {
    warnOnce(
      `schema-type:${type}:${prop}:${actual}`,
      `"${prop}" of "${type}" is declared ${JSON.stringify(propertySchema.type)} but the server sent ${actual}.`,
      element,
    );
  }
}
