import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency (`better-sqlite3`, `ioredis`) when the part that needs it is first made,
 * so an app that keeps its state in memory installs neither. Both are CommonJS, so `require` loads them
 * synchronously and `new SqliteStore()` and `redisBackend()` stay synchronous. When the package is not
 * installed, the error says which part needed it and what to install; any other failure (a native binding
 * that did not build) is thrown as it is.
 */
export function loadOptionalPeer<T>(name: string, neededBy: string): T {
  try {
    return requireHere(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new Error(`${neededBy} needs the ${name} package, which is not installed: run npm install ${name}`, { cause: error });
  }
}

/** True when `name` itself could not be found (not one of its own imports). */
function isMissing(error: unknown, name: string): boolean {
  return (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
    error.message.split('\n')[0]!.includes(`'${name}'`)
  );
}
