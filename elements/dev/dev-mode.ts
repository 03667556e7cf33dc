declare global {
  /** Set to `false` (or define it in your bundler) for production: drops dev warnings and the overlay. */
  var NASC_DEV_MODE: boolean | undefined;
}

/**
 * True in development. The production bundle (`/nasc/nasc.js`) is built with `globalThis.NASC_DEV_MODE`
 * defined as `false`, which removes every dev-only branch; code that must vanish from it tests
 * `globalThis.NASC_DEV_MODE !== false` in place (bundlers fold that, but not an imported constant).
 */
export const DEV_MODE: boolean = globalThis.NASC_DEV_MODE !== false;

const issuedWarnings = new Set<string>();

/** Listeners told about each new dev warning (the overlay subscribes here). */
export const devWarningListeners = new Set<(message: string, element?: Element) => void>();

/** Logs a dev-mode warning once per distinct `key`; no-op in production builds. */
export function warnOnce(key: string, message: string, element?: Element): void {
  if (globalThis.NASC_DEV_MODE === false || issuedWarnings.has(key)) return;
  issuedWarnings.add(key);
  console.warn(`[nasc] ${message}`, ...(element ? [element] : []));
  for (const listener of devWarningListeners) listener(message, element);
}
