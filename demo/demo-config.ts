import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the demo server runs. */
export interface DemoConfig {
  port: number;
  /** The interface to listen on (default 127.0.0.1; `HOST=0.0.0.0` to try it from a phone on your network). */
  host: string;
  /** Keep state in memory only (`--memory` or `NASC_MEMORY=1`): a restart starts afresh. */
  memory: boolean;
  /** The SQLite file (`NASC_DB`), unless `memory`. */
  dbPath: string;
  /** `REDIS_URL`: keep state in Redis and fan out through it, so several processes can serve the demo. */
  redisUrl: string | undefined;
  /** `REDIS_PREFIX`: put before every Redis key and the channel (default `nasc:`), so apps can share one Redis. */
  redisPrefix: string | undefined;
  /**
   * `TRUST_PROXY=1`: take the page's origin from `X-Forwarded-Proto`/`X-Forwarded-Host` (origin checks, the
   * cookie's `Secure` flag). Only behind a proxy that sets both and replaces what clients send.
   */
  trustProxy: boolean;
  /** `ALLOWED_ORIGINS`, comma-separated: page origins accepted besides the server's own (e.g. the public `https://` one). */
  allowedOrigins: string[];
  /**
   * Where the session secret is kept when `NASC_SECRET` is not set: `.nasc-secret` at the repository root
   * (gitignored), so a restarted demo keeps everyone's session (and so their profile).
   */
  secretFile: string;
}

/** The session secret's file when `NASC_SECRET` is not set (`.nasc-secret` is gitignored). */
export const DEFAULT_SECRET_FILE = fileURLToPath(new URL('../../.nasc-secret', import.meta.url));

/** The default database file: `nasc-demo.db` at the repository root (`*.db` is gitignored). */
export const DEFAULT_DB_PATH = fileURLToPath(new URL('../../nasc-demo.db', import.meta.url));

function isOn(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/** `https://app.example.com, http://localhost:8080` → each entry's origin; anything that is not one is an error at start. */
function parseOrigins(list: string | undefined): string[] {
  const entries = (list ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    // A path, query or credentials would be dropped silently by the origin check: say so now instead.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.href.replace(/\/$/, '') !== url.origin) {
      throw new Error(`ALLOWED_ORIGINS holds "${entry}", which is not an origin like https://app.example.com`);
    }
    return url.origin;
  });
}

/**
 * Reads the demo's settings from the command line and the environment: `PORT`, `HOST`, `NASC_DB`,
 * `NASC_MEMORY=1` or `--memory`, `REDIS_URL`, `REDIS_PREFIX`, `TRUST_PROXY=1`, `ALLOWED_ORIGINS`.
 */
export function readDemoConfig(argv: readonly string[], env: NodeJS.ProcessEnv): DemoConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    memory: argv.includes('--memory') || isOn(env.NASC_MEMORY),
    dbPath: env.NASC_DB ? resolve(env.NASC_DB) : DEFAULT_DB_PATH,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || undefined,
    trustProxy: isOn(env.TRUST_PROXY),
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    secretFile: DEFAULT_SECRET_FILE,
  };
}
