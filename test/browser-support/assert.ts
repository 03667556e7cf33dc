/** A few assertions, enough for the browser tests (no assertion library is installed). */

/** Thrown by every assertion here; mocha reports its message. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(value: unknown): string {
  if (value instanceof Node) return value instanceof Element ? `<${value.localName}${value.id ? `#${value.id}` : ''}>` : String(value.nodeName);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function ok(value: unknown, message = `expected a truthy value, got ${show(value)}`): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function notEqual<T>(actual: T, expected: T, message?: string): void {
  if (Object.is(actual, expected)) throw new AssertionError(`${message ? `${message}: ` : ''}expected something other than ${show(expected)}`);
}

/** Deep equality of JSON-like values; object key order does not count. */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!same(actual, expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i]));
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Every item is the very same object as the expected one, in order (DOM node identity). */
export function sameNodes(actual: readonly unknown[], expected: readonly unknown[], message = 'nodes'): void {
  equal(actual.length, expected.length, `${message}: length`);
  actual.forEach((node, i) => ok(node === expected[i], `${message}: item ${i} is not the same node (${show(node)} vs ${show(expected[i])})`));
}

export function fail(message: string): never {
  throw new AssertionError(message);
}
