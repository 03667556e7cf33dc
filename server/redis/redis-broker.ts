import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Observer } from '../observe/observer.js';
import type { Broker, BrokerReceiver, DirectMessage, PublishedBatch } from '../broker/broker.js';
import { decodeBusMessage, encodeBatch, encodeDeleted, encodeDirect, encodeGap } from './redis-bus-message.js';
import { CatchUp, type CatchUpLimits } from './redis-catch-up.js';
import { closeClient, waitForEvent, type RedisLink } from './redis-link.js';

/** Options of the Redis broker. */
export interface RedisBrokerOptions {
  /** How many recent batches each process keeps to close the subscribe race (see {@link CatchUp}). */
  catchUp?: CatchUpLimits;
}

/**
 * A {@link Broker} over Redis pub/sub: every process of the app publishes on one channel and listens on it
 * with one subscriber connection. Batches and direct messages leave on the link's single command connection
 * (the one commits publish from too), so Redis relays each process's messages in the order it sent them.
 *
 * Pub/sub delivers at most once: while a process's subscriber is disconnected it misses messages. So when
 * it is subscribed again it closes its streams, and their clients mount again from the revisions they hold
 * (the replay log lives in Redis). Likewise a process whose commands failed while its connection was down tells every
 * process, once it is back, to do the same.
 */
export class RedisBroker implements Broker {
  readonly distributed = true;
  readonly #link: RedisLink;
  readonly #subscriber: Redis;
  readonly #catchUpLimits: CatchUpLimits | undefined;
  /** Identifies this process's gap notices in logs. */
  readonly #id = randomUUID();
  readonly #stopRecoveryWatch: () => void;
  /** Emits `subscribed` each time the subscription takes. */
  readonly #events = new EventEmitter();
  #receiver: BrokerReceiver | undefined;
  #catchUp: CatchUp | undefined;
  #subscribed = false;
  #everSubscribed = false;
  #closed = false;

  constructor(link: RedisLink, options: RedisBrokerOptions = {}) {
    this.#link = link;
    this.#catchUpLimits = options.catchUp;
    link.retain();
    link.bus = true;
    this.#subscriber = link.connect('nasc-bus');
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel === link.channel) this.#receive(text);
    });
    this.#subscriber.on('ready', () => void this.#subscribe());
    this.#subscriber.on('close', () => {
      this.#subscribed = false;
    });
    this.#stopRecoveryWatch = link.onRecovered(() => {
      // Something this process sent may never have left: every process closes its streams, and their clients mount again.
      void link.run('gap notice', () => link.client.publish(link.channel, encodeGap(this.#id))).catch(() => undefined);
    });
  }

  /** True while this process hears the channel and can send on it: what `/ready` reports. */
  get ready(): boolean {
    return this.#subscribed && this.#link.connected;
  }

  /** Resolves once the subscriber listens on the channel (rejects with `backend_unavailable` after `timeoutMs`). */
  async whenSubscribed(timeoutMs = 10_000): Promise<void> {
    if (this.#subscribed) return;
    await waitForEvent(this.#events, 'subscribed', timeoutMs, `not subscribed to ${this.#link.channel} within ${timeoutMs} ms`);
  }

  attach(receiver: BrokerReceiver): void {
    this.#receiver = receiver;
    this.#catchUp = new CatchUp(receiver, this.#catchUpLimits);
  }

  async publish(batch: PublishedBatch): Promise<void> {
    if (this.#link.takePublished(batch.type, batch.instance, batch.rev)) {
      // The commit script published the batch itself; only its ack for the origin stream is left. It follows
      // the batch on the same connection, so the client gets the change before the ack that confirms it.
      if (batch.origin) await this.#send(encodeDirect({ stream: batch.origin.stream, message: `[${batch.origin.ack}]` }));
      return;
    }
    await this.#send(encodeBatch(batch));
  }

  async sendDirect(message: DirectMessage): Promise<void> {
    await this.#send(encodeDirect(message));
  }

  async publishDeletion(type: string, instance: string): Promise<void> {
    await this.#send(encodeDeleted({ type, instance }));
  }

  observe(observer: Observer): void {
    this.#link.observer = observer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiver = undefined;
    this.#catchUp = undefined;
    this.#stopRecoveryWatch();
    await closeClient(this.#subscriber);
    await this.#link.release();
  }

  async #send(text: string): Promise<void> {
    await this.#link.run('publish', () => this.#link.client.publish(this.#link.channel, text));
  }

  async #subscribe(): Promise<void> {
    try {
      await this.#subscriber.subscribe(this.#link.channel);
    } catch {
      // The connection dropped again before the subscription took; the next `ready` tries again.
      return;
    }
    this.#subscribed = true;
    this.#events.emit('subscribed');
    if (!this.#everSubscribed) {
      this.#everSubscribed = true;
      return;
    }
    this.#link.logger.warn('message bus resubscribed: streams reopen and mount again', { channel: this.#link.channel });
    this.#closeStreams('message bus reconnected: mount again');
  }

  #receive(text: string): void {
    const message = decodeBusMessage(text);
    if (!message || !this.#catchUp) return;
    try {
      if (message.kind === 'batch') this.#catchUp.batch(message.batch);
      else if (message.kind === 'direct') this.#catchUp.direct(message.direct);
      else if (message.kind === 'created') this.#catchUp.forget(message.instance.type, message.instance.instance);
      else if (message.kind === 'deleted') {
        this.#catchUp.forget(message.instance.type, message.instance.instance);
        this.#receiver?.deliverDeletion(message.instance.type, message.instance.instance);
      } else {
        this.#link.logger.warn('a process may have lost messages: streams reopen and mount again', { from: message.from });
        this.#closeStreams('a process lost messages: mount again');
      }
    } catch (error) {
      // Thrown inside ioredis's reply parser, an error would break the subscriber connection for everyone.
      this.#link.logger.error('delivering a bus message failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  #closeStreams(reason: string): void {
    this.#receiver?.disconnectAll(reason);
  }
}
