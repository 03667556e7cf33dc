import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';

/** The Redis the scale tests share: `REDIS_URL`, default the local one. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** In CI the scale tests must run: an unreachable Redis fails them instead of skipping them. */
const IN_CI = process.env.CI === 'true';

/** Opens a short-lived connection that fails at once instead of retrying: for probes, checks and cleanup. */
export function directClient(url = REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
}

let probed: Promise<string | undefined> | undefined;

/** Why Redis cannot be used (`undefined` when it answers PING), checked once per test file. */
function unavailableReason(): Promise<string | undefined> {
  probed ??= (async () => {
    const client = directClient();
    // The socket error says why (ECONNREFUSED...); the rejection only says the connection closed.
    let cause = '';
    client.on('error', (error: Error) => {
      cause ||= error.message;
    });
    try {
      await client.connect();
      const answer = await client.ping();
      return answer === 'PONG' ? undefined : `Redis at ${REDIS_URL} answered ${answer} to PING`;
    } catch (error) {
      return `no Redis reachable at ${REDIS_URL} (${cause || (error instanceof Error ? error.message : String(error))}); set REDIS_URL or start redis-server`;
    } finally {
      client.disconnect();
    }
  })();
  return probed;
}

/**
 * True when Redis answers. Otherwise the test is reported as skipped with the reason, or, in CI
 * (`CI=true`), fails: there the suite must really run.
 *
 * @example
 * test('...', async (t) => {
 *   if (!(await redisOrSkip(t))) return;
 * });
 */
export async function redisOrSkip(t: TestContext): Promise<boolean> {
  const reason = await unavailableReason();
  if (reason === undefined) return true;
  if (IN_CI) throw new Error(`CI=true, so the scale tests must run: ${reason}`);
  t.skip(reason);
  return false;
}

/** A key prefix no other run uses, so runs (and apps) sharing one Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `nasc-test:${label}:${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, so a large Redis is not blocked). */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const client = directClient(url);
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    await client.connect();
    let cursor = '0';
    // Bounded: a test run writes a few thousand keys at most.
    for (let round = 0; round < 10_000; round++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await client.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
  return deleted;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
