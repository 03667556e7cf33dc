import { ReservedEvent, type ClientEvent } from '../../protocol/index.js';
import { GenerationalMap } from '../util/generational-map.js';
import type { Observer } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/rate-limiter.js';
import type { Caller, EngineLimits } from './engine-options.js';
import { reject, retryFirst, type Rejection } from './rejection.js';
import type { StreamRegistry } from './stream-registry.js';

/** How long after its wait a rate-limited client may take to send its refused event again before it is let go. */
const RATE_BLOCK_GRACE_MS = 10_000;
/** The wait told to events sent behind a refused one that has not come again yet. */
export const RATE_BLOCK_RECHECK_MS = 50;
/** How often one limit is logged at most, per session (or for the whole process). */
const LIMIT_LOG_INTERVAL_MS = 10_000;

/** A client refused by a rate limit, or one of whose events failed on the way in. */
interface RateBlock {
  until: number;
  /** The refused event, which must come again before any other is taken. */
  eventId?: string;
  /** Started by a failure, not by the rate: the event may come again at once. */
  failed?: boolean;
}

/**
 * Who may do what how often: streams per session, events per client and per session (mounts included),
 * mounts per session, and instances created per session and per process. It also keeps a client's events in
 * order through refusals: once one is refused (a rate limit) or fails on the way in (the store, the broker),
 * nothing the client sent behind it is taken until it comes again (a socket pipelines events, and one sent
 * right behind the refused one could land after a refill and be applied first). Every limit hit is logged,
 * at most once per 10 s per session and limit.
 */
export class Admission {
  readonly limits: EngineLimits;
  readonly #streams: StreamRegistry;
  readonly #logger: Logger;
  readonly #tag: Observer['tag'];
  readonly #rates: RateLimiter;
  readonly #sessionRates: RateLimiter;
  /** Instances created, per session and by the whole process. */
  readonly #creations: RateLimiter;
  readonly #serverCreations: RateLimiter;
  /** Clients refused by a rate limit: until when (performance.now()) and which event must come again first. */
  readonly #blocked = new GenerationalMap<string, RateBlock>(100_000);
  /** Mounts accepted but not yet answered, per session. */
  readonly #mountsInFlight = new Map<string, number>();
  readonly #lastLimitLog = new GenerationalMap<string, number>(10_000);

  /** `tag`: what stands for a session in a log line. */
  constructor(limits: EngineLimits, streams: StreamRegistry, logger: Logger, tag: Observer['tag']) {
    this.limits = limits;
    this.#streams = streams;
    this.#logger = logger;
    this.#tag = tag;
    this.#rates = new RateLimiter({ rate: limits.eventsPerSecond, burst: limits.eventBurst });
    this.#sessionRates = new RateLimiter({ rate: 2 * limits.eventsPerSecond, burst: 2 * limits.eventBurst });
    this.#creations = new RateLimiter({ rate: limits.creationsPerSecond, burst: limits.creationBurst });
    this.#serverCreations = new RateLimiter({ rate: limits.serverCreationsPerSecond, burst: limits.serverCreationBurst, maxKeys: 2 });
  }

  /** Whether the caller's session may open one more stream (a reconnect replacing its own always may). */
  stream(caller: Caller, client: string): Rejection | undefined {
    if (this.#streams.streamsOf(caller.session) < this.limits.streamsPerSession || this.#streams.get(client)) return undefined;
    this.#logLimit('streams', caller);
    return reject(429, 'too_many_streams', `A session may hold ${this.limits.streamsPerSession} streams at once.`, undefined, 5_000);
  }

  /**
   * A reopened client sends its unacknowledged events again, oldest first, and the first of them refused
   * leads from now on (the old leader may be behind one that was applied but not yet acknowledged).
   */
  reopened(client: string): void {
    const block = this.#blocked.get(client);
    if (block?.eventId !== undefined) this.#blocked.set(client, { until: block.until });
  }

  /** Takes an event from the client's and its session's rates, or says why not (and how long to wait). */
  event(client: string, caller: Caller, event: ClientEvent, eventId: string): Rejection | undefined {
    const wait = this.#rateWait(client, caller.session, event);
    if (wait === 0) return undefined;
    if (this.#blocked.get(client)?.failed) return retryFirst(eventId, wait);
    this.#logLimit('events', caller);
    return reject(429, 'rate_limited', 'Too many events: slow down.', eventId, wait);
  }

  /**
   * Counts a mount that is new for the client's stream toward its session's mounts until {@link mounted}
   * (mounts still queued count too, or a burst of them would all pass); refuses past the limit.
   */
  mount(caller: Caller, eventId: string): Rejection | undefined {
    const inFlight = this.#mountsInFlight.get(caller.session) ?? 0;
    if (this.#streams.mountsOf(caller.session) + inFlight >= this.limits.mountsPerSession) {
      this.#logLimit('mounts', caller);
      return reject(429, 'too_many_mounts', `A session may mount ${this.limits.mountsPerSession} instances at once.`, eventId, 5_000);
    }
    this.#mountsInFlight.set(caller.session, inFlight + 1);
    return undefined;
  }

  /** A mount counted by {@link mount} is answered (subscribed, or not). */
  mounted(session: string): void {
    const left = (this.#mountsInFlight.get(session) ?? 1) - 1;
    if (left > 0) this.#mountsInFlight.set(session, left);
    else this.#mountsInFlight.delete(session);
  }

  /**
   * Takes an instance creation from the session's budget, then from the process's (the session's first, so
   * that a session over its own budget spends none of everyone's).
   */
  creation(caller: Caller, eventId: string): Rejection | undefined {
    const now = performance.now();
    const wait = this.#creations.take(caller.session, now);
    if (wait > 0) {
      this.#logLimit('creations', caller);
      return reject(429, 'too_many_creations', 'Too many new instances from this session: slow down.', eventId, wait);
    }
    const serverWait = this.#serverCreations.take('', now);
    if (serverWait > 0) {
      this.#creations.give(caller.session);
      this.#logLimit('server_creations', caller, '');
      return reject(429, 'server_too_many_creations', 'The server is creating too many instances: try again shortly.', eventId, serverWait);
    }
    return undefined;
  }

  /** Whether an earlier event of this client failed and has not come again yet (this is not that event). */
  heldBehindFailure(client: string, event: ClientEvent): boolean {
    // Checked for every queued event; nearly always nobody is blocked.
    if (this.#blocked.size === 0) return false;
    const block = this.#blocked.get(client);
    return block?.failed === true && block.eventId !== event.eventId && performance.now() < block.until + RATE_BLOCK_GRACE_MS;
  }

  /**
   * The event was not processed (the store, the broker or a hook failed): the client sends it again, and
   * nothing it sent behind it may be applied before it is.
   */
  failed(client: string, event: ClientEvent): void {
    if (event.eventId !== undefined) this.#blocked.set(client, { until: performance.now(), eventId: event.eventId, failed: true });
  }

  /**
   * How long a client must wait before this event may be taken (0: take it now). Once an event is refused,
   * the client stays refused until that same event comes again after its wait.
   */
  #rateWait(client: string, session: string, event: ClientEvent): number {
    const now = performance.now();
    // Mounts are asked for again under a new id: only ordinary events hold the line.
    const ordered = event.eventId !== undefined && event.event !== ReservedEvent.Mount && event.event !== ReservedEvent.Unmount;
    // Nearly always nobody is blocked: skip the lookup.
    const block = this.#blocked.size === 0 ? undefined : this.#blocked.get(client);
    if (block) {
      if (now < block.until) {
        // After a reopen (or a refused mount) no event leads yet: the first one refused does.
        if (block.eventId === undefined && ordered) block.eventId = event.eventId;
        return Math.ceil(block.until - now);
      }
      const first = block.eventId === undefined || block.eventId === event.eventId;
      // A client that never sends the refused event again (it gave it up, or reloaded without it) is let go.
      if (!first && now < block.until + RATE_BLOCK_GRACE_MS) return RATE_BLOCK_RECHECK_MS;
      this.#blocked.delete(client);
    }
    const wait = Math.max(this.#rates.take(client, now), this.#sessionRates.take(session, now));
    if (wait > 0) this.#blocked.set(client, { until: now + wait, ...(ordered ? { eventId: event.eventId } : {}) });
    return wait;
  }

  /**
   * Logs a limit hit, at most once per 10 s per limit and `scope` (the session, or `''` for a limit of the
   * whole process), so a flood cannot flood the log too.
   */
  #logLimit(limit: string, caller: Caller, scope = caller.session): void {
    const key = `${limit}\u001f${scope}`;
    const now = Date.now();
    if ((this.#lastLimitLog.get(key) ?? 0) > now - LIMIT_LOG_INTERVAL_MS) return;
    this.#lastLimitLog.set(key, now);
    this.#logger.warn('limit reached', { limit, session: this.#tag(caller.session), clientId: caller.clientId });
  }
}
