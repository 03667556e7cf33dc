import type { BrokerReceiver, DirectMessage, PublishedBatch } from '../broker/broker.js';

/** How much the catch-up remembers. */
export interface CatchUpLimits {
  /** Instances whose recent batches are kept, least recently changed dropped first (default 1,000). */
  instances?: number;
  /** Recent batches kept per instance (default 16). */
  perInstance?: number;
  /** Characters of batch text kept in all, least recently changed instances dropped first (default 4 M). */
  chars?: number;
  /** Client positions tracked to drop replays they already got (default 10,000). */
  clients?: number;
}

/**
 * Closes the one hole that ordering per publisher leaves when several processes publish.
 *
 * A stream subscribes to an instance when a `position` message from the process that handled its mount (or
 * resume) arrives. That process read the instance at revision N; if another process committed N+1 and its
 * batch reached this process before the subscribing message, the stream was not yet subscribed and never
 * gets N+1, and, when no later change comes, its client never learns it is behind. So this keeps the last
 * few batches of each instance as they pass, and after every position message for a client sends it the
 * ones right after that position. A log replay that follows, for revisions already sent this way, is
 * dropped (the same batch text: the log holds exactly what was published).
 */
export class CatchUp {
  readonly #receiver: BrokerReceiver;
  readonly #recent = new Map<string, Map<number, string>>();
  /** client + instance → the highest revision sent to that client by catch-up. */
  readonly #sent = new Map<string, number>();
  readonly #instances: number;
  readonly #perInstance: number;
  readonly #chars: number;
  readonly #clients: number;
  #keptChars = 0;

  constructor(receiver: BrokerReceiver, limits: CatchUpLimits = {}) {
    this.#receiver = receiver;
    this.#instances = Math.max(1, limits.instances ?? 1_000);
    this.#perInstance = Math.max(1, limits.perInstance ?? 16);
    this.#chars = Math.max(1, limits.chars ?? 4_000_000);
    this.#clients = Math.max(1, limits.clients ?? 10_000);
  }

  /** A published batch: remembered, then delivered to the streams subscribed here. */
  batch(published: PublishedBatch): void {
    const key = instanceKey(published.type, published.instance);
    let recent = this.#recent.get(key);
    if (recent) {
      // Most recently changed last, so the first entry is the one to drop.
      this.#recent.delete(key);
    } else {
      recent = new Map();
    }
    this.#recent.set(key, recent);
    this.#keptChars += published.batch.length - (recent.get(published.rev)?.length ?? 0);
    recent.set(published.rev, published.batch);
    if (recent.size > this.#perInstance) {
      const [oldest, text] = recent.entries().next().value!;
      recent.delete(oldest);
      this.#keptChars -= text.length;
    }
    while ((this.#recent.size > this.#instances || this.#keptChars > this.#chars) && this.#recent.size > 1) {
      const [evicted, batches] = this.#recent.entries().next().value!;
      this.#recent.delete(evicted);
      for (const text of batches.values()) this.#keptChars -= text.length;
    }
    this.#receiver.deliverBatch(published);
  }

  /**
   * Forgets an instance's recent batches: it was deleted or created anew, and batches of the instance that
   * was are not the next revisions of the one that is.
   */
  forget(type: string, instance: string): void {
    const key = instanceKey(type, instance);
    const recent = this.#recent.get(key);
    if (!recent) return;
    this.#recent.delete(key);
    for (const text of recent.values()) this.#keptChars -= text.length;
  }

  /** A direct message: delivered (unless it replays what catch-up already sent), then followed by catch-up. */
  direct(message: DirectMessage): void {
    const { position, unsubscribe } = message;
    if (unsubscribe) this.#sent.delete(clientKey(message.stream, unsubscribe.type, unsubscribe.instance));
    if (!position) {
      this.#receiver.deliverDirect(message);
      return;
    }
    const client = clientKey(message.stream, position.type, position.instance);
    if (position.subscribe) {
      // A new subscription (a mount, a resume, maybe a new stream): what an earlier one was sent says nothing.
      this.#sent.delete(client);
    } else if (message.message !== undefined && position.rev <= (this.#sent.get(client) ?? 0)) {
      return;
    }
    this.#receiver.deliverDirect(message);
    const recent = this.#recent.get(instanceKey(position.type, position.instance));
    if (!recent) return;
    let rev = position.rev;
    for (let batch = recent.get(rev + 1); batch !== undefined; batch = recent.get(rev + 1)) {
      rev += 1;
      this.#receiver.deliverDirect({ stream: message.stream, message: batch, position: { type: position.type, instance: position.instance, rev } });
    }
    if (rev === position.rev) return;
    this.#sent.delete(client);
    if (this.#sent.size >= this.#clients) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(client, rev);
  }
}

function instanceKey(type: string, instance: string): string {
  return `${type}\u0000${instance}`;
}

function clientKey(stream: string, type: string, instance: string): string {
  return `${stream}\u0000${type}\u0000${instance}`;
}
