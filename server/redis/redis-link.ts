import type { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Observer } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import { BackendUnavailableError } from '../store/backend-unavailable.js';
import { isOutOfMemoryReply, toBackendError } from './redis-errors.js';

/** How to reach Redis, shared by the Redis store and broker. */
export interface RedisLinkOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Put before every key and the pub/sub channel, so apps (or test runs) can share one Redis (default `nasc:`). */
  prefix?: string;
  /** A command with no answer after this long fails with `backend_unavailable` (default 5,000 ms). */
  commandTimeoutMs?: number;
  /** A connection attempt gives up after this long, and the next one is scheduled (default 2,000 ms). */
  connectTimeoutMs?: number;
  /** Extra ioredis options (TLS, Sentinel, username, ...); the ones that set failure behaviour are overridden. */
  redis?: RedisOptions;
  logger: Logger;
}

/**
 * Failure behaviour: fail fast and clearly instead of waiting or replaying silently.
 * - `maxRetriesPerRequest: 0`: a command waiting while Redis is unreachable fails at the first failed
 *   reconnect, so an event answers 503 within about a second instead of hanging;
 * - `autoResendUnfulfilledCommands: false`: a command that was on the wire when the connection dropped is
 *   failed, not sent again behind the caller's back (its outcome is unknown; the client's retry and event
 *   dedupe settle it);
 * - `autoResubscribe: false`: the broker subscribes itself on every `ready`, so it knows when it was deaf.
 */
const FAILURE_BEHAVIOUR: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  autoResubscribe: false,
  // Reconnect quickly (a restarted Redis is back in well under a second), never slower than once a second.
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
};

/** How often the same connection error is logged at most: an outage must not flood the log. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * One process's command connection to Redis, shared by the store and the broker so that commits, batches
 * and direct messages leave on one connection, in one order. It maps connection failures to
 * {@link BackendUnavailableError}, and tells listeners when the connection came back after commands failed
 * (some messages may then be lost, and streams must reopen and mount again).
 */
export class RedisLink {
  readonly client: Redis;
  readonly prefix: string;
  /** The pub/sub channel every process of the app listens on. */
  readonly channel: string;
  readonly logger: Logger;
  readonly #options: RedisOptions;
  readonly #url: string;
  readonly #recoveryListeners = new Set<() => void>();
  /** Batches a commit script already published, so the broker publishes only their ack. */
  readonly #published = new Set<string>();
  /**
   * Set by a Redis broker on this link: commits then publish their batch in the same script. Without one (a
   * Redis store with the in-process broker) nobody listens, so nothing is published.
   */
  bus = false;
  /** Told of every failure (the engine's, once a store or broker on this link is given one). */
  observer: Observer | undefined;
  #users = 0;
  #everReady = false;
  #down = false;
  #failedSinceReady = false;
  #lastErrorLog = 0;
  #lastFullLog = Number.NEGATIVE_INFINITY;
  #closing: Promise<void> | undefined;

  constructor(options: RedisLinkOptions) {
    this.#url = options.url ?? 'redis://127.0.0.1:6379';
    this.prefix = options.prefix ?? 'nasc:';
    this.channel = `${this.prefix}bus`;
    this.logger = options.logger;
    this.#options = {
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      ...options.redis,
      ...FAILURE_BEHAVIOUR,
    };
    this.client = this.connect('nasc-commands');
    this.client.on('ready', () => {
      const recovered = this.#down;
      const failed = this.#failedSinceReady;
      this.#everReady = true;
      this.#down = false;
      this.#failedSinceReady = false;
      if (!recovered) return;
      this.logger.warn('redis connection restored', { url: redact(this.#url) });
      if (failed) for (const listener of this.#recoveryListeners) listener();
    });
    this.client.on('close', () => {
      if (!this.#everReady || this.#down) return;
      this.#down = true;
      this.logger.error('redis connection lost: events answer 503 until it is back', { url: redact(this.#url) });
    });
  }

  /** A new connection with the same settings (the broker's subscriber), logging its errors the same way. */
  connect(name: string): Redis {
    const client = new Redis(this.#url, { ...this.#options, connectionName: name });
    // Without a listener ioredis prints every reconnect failure itself.
    client.on('error', (error: Error) => this.#logError(name, error));
    return client;
  }

  /** True while the command connection is up. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once the command connection is up; rejects with `backend_unavailable` after `timeoutMs`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.connected) return;
    await waitForEvent(this.client, 'ready', timeoutMs, `Redis at ${redact(this.#url)} did not answer within ${timeoutMs} ms`);
  }

  /**
   * Runs one command (or script), turning a connection failure into {@link BackendUnavailableError}. Any
   * failure counts as "something may be lost" (a write whose answer never came, a publish that never left),
   * so recovery listeners hear about it once the connection is back.
   */
  async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      const unavailable = toBackendError(error, what);
      if (!unavailable) throw error;
      this.#failedSinceReady = true;
      const full = isOutOfMemoryReply(error);
      this.observer?.backendError('redis', full ? 'full' : 'unavailable');
      if (full) this.#logFull(what, (error as Error).message);
      throw unavailable;
    }
  }

  /** Calls `listener` each time the connection is back after commands failed while it was down. */
  onRecovered(listener: () => void): () => void {
    this.#recoveryListeners.add(listener);
    return () => this.#recoveryListeners.delete(listener);
  }

  /** Records that the commit of `rev` published its batch itself (see the commit script). */
  notePublished(type: string, instance: string, rev: number): void {
    // The engine publishes right after each commit, which takes the note; the bound only guards a caller
    // that commits without publishing.
    if (this.#published.size >= 10_000) this.#published.clear();
    this.#published.add(publishedKey(type, instance, rev));
  }

  /** True (once) when the commit of `rev` already published its batch. */
  takePublished(type: string, instance: string, rev: number): boolean {
    return this.#published.delete(publishedKey(type, instance, rev));
  }

  /** Counts a user (store, broker); the connection closes when the last one lets go. */
  retain(): void {
    this.#users += 1;
  }

  /** Lets go of the connection; the last user closes it (QUIT: commands already sent still get their answer). */
  async release(): Promise<void> {
    this.#users -= 1;
    if (this.#users > 0) return;
    this.#closing ??= closeClient(this.client);
    await this.#closing;
  }

  /**
   * A full Redis refuses every write until memory is freed: not a blip that passes by itself, so it is an
   * error, logged with what to do (at most once per 10 s).
   */
  #logFull(what: string, reply: string): void {
    const now = Date.now();
    if (now - this.#lastFullLog < ERROR_LOG_INTERVAL_MS) return;
    this.#lastFullLog = now;
    this.logger.error(
      'redis is full (maxmemory reached): every write answers 503 until memory is freed. Raise maxmemory or free memory; ' +
        'keep maxmemory-policy noeviction (an evicting policy would drop state and event outcomes)',
      { url: redact(this.#url), during: what, error: reply },
    );
  }

  #logError(name: string, error: Error): void {
    this.observer?.backendError('redis', 'connection');
    const now = Date.now();
    if (now - this.#lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.#lastErrorLog = now;
    this.logger.warn('redis connection error', { connection: name, url: redact(this.#url), error: error.message });
  }
}

/** Closes a connection politely when it is up, at once otherwise (QUIT would wait for a reconnect). */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * Waits for `event` on `emitter`, failing with `backend_unavailable` after `timeoutMs`. Connection errors on
 * the way are not failures: ioredis keeps reconnecting, and the deadline decides.
 */
export function waitForEvent(emitter: EventEmitter, event: string, timeoutMs: number, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, done);
      reject(new BackendUnavailableError(message));
    }, timeoutMs);
    emitter.once(event, done);
  });
}

function publishedKey(type: string, instance: string, rev: number): string {
  return `${type}\u0000${instance}\u0000${rev}`;
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}
