import { createConsoleLogger, type Logger } from '../util/logger.js';
import { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
import { RedisLink, type RedisLinkOptions } from './redis-link.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';

/** Options of {@link redisBackend}: where Redis is, the key prefix, sizes and timeouts. */
export interface RedisBackendOptions extends Omit<RedisLinkOptions, 'logger'>, RedisStoreOptions, RedisBrokerOptions {
  /** Where connection losses and recoveries are logged (default: the console logger). */
  logger?: Logger;
}

/** A store and a broker sharing one Redis command connection, plus a subscriber connection for the broker. */
export interface RedisBackend {
  readonly store: RedisStore;
  readonly broker: RedisBroker;
  /**
   * Resolves once Redis answers and the broker listens on the channel; rejects with `backend_unavailable`
   * after `timeoutMs` (default 10 s). Await it before listening, so the first requests find Redis.
   */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * Redis as the shared backend of several Nasc processes: instances, replay logs and event outcomes in Redis
 * (so any process can serve any request), patches fanned out over Redis pub/sub (so a change made on one
 * process reaches streams held by all). The processes must also share the session secret (`NASC_SECRET`).
 *
 * @example
 * const backend = redisBackend({ url: process.env.REDIS_URL });
 * const nasc = createNasc({ handlers, store: backend.store, broker: backend.broker });
 * await backend.ready();
 * serve({ fetch: app.fetch, port, websocket: nasc.websocket });
 */
export function redisBackend(options: RedisBackendOptions = {}): RedisBackend {
  const link = new RedisLink({ ...options, logger: options.logger ?? createConsoleLogger() });
  const store = new RedisStore(link, options);
  const broker = new RedisBroker(link, options);
  return {
    store,
    broker,
    async ready(timeoutMs = 10_000) {
      await Promise.all([link.ready(timeoutMs), broker.whenSubscribed(timeoutMs)]);
    },
  };
}
