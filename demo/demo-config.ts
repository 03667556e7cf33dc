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
}

/** The default database file: `nasc-demo.db` at the repository root (`*.db` is gitignored). */
export const DEFAULT_DB_PATH = fileURLToPath(new URL('../../nasc-demo.db', import.meta.url));

function isOn(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/**
 * Reads the demo's settings from the command line and the environment: `PORT`, `HOST`, `NASC_DB`,
 * `NASC_MEMORY=1` or `--memory`, `REDIS_URL`.
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
  };
}
