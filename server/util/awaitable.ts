/**
 * A value, or a promise of it. A store or broker that has its answer at once (the memory and SQLite stores,
 * the in-process broker) returns it as it is: the engine awaits only promises, and every await it skips is a
 * trip through the microtask queue and a few allocations on each event's path.
 */
export type Awaitable<T> = T | PromiseLike<T>;

/** Whether an {@link Awaitable} must be awaited. */
export function isPromiseLike<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
