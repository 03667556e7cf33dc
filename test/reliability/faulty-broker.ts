import type { Broker, BrokerReceiver, DirectMessage, PublishedBatch } from '../../server/index.js';

/** How often each fault strikes a delivery (0 to 1), and the longest delay. */
export interface FaultRates {
  duplicate: number;
  delay: number;
  maxDelayMs: number;
  /** A batch reaches everyone but its sender's ack is lost (a process dying between applying and answering). */
  loseAck?: number;
}

/**
 * An in-process broker that delivers late, twice, and so out of order: the faults a network or a
 * multi-process backend can cause between the engine and the streams. The engine and clients must still
 * converge with nothing lost or applied twice.
 */
export class FaultyBroker implements Broker {
  readonly distributed = false;
  readonly #rates: FaultRates;
  #receiver: BrokerReceiver | undefined;
  readonly counts = { delivered: 0, duplicated: 0, delayed: 0, acksLost: 0 };

  constructor(rates: FaultRates) {
    this.#rates = rates;
  }

  attach(receiver: BrokerReceiver): void {
    this.#receiver = receiver;
  }

  async publish(batch: PublishedBatch): Promise<void> {
    if (batch.origin && Math.random() < (this.#rates.loseAck ?? 0)) {
      this.counts.acksLost += 1;
      const { origin: _lost, ...withoutAck } = batch;
      this.#deliver(() => this.#receiver?.deliverBatch(withoutAck));
      return;
    }
    this.#deliver(() => this.#receiver?.deliverBatch(batch));
  }

  async sendDirect(message: DirectMessage): Promise<void> {
    // Subscriptions must take effect in order (they are bookkeeping, not network traffic); only the
    // message itself is faulted.
    if (message.position || message.unsubscribe) {
      const { message: text, ...bookkeeping } = message;
      this.#receiver?.deliverDirect(bookkeeping);
      if (text !== undefined) this.#deliver(() => this.#receiver?.deliverDirect({ stream: message.stream, message: text }));
      return;
    }
    this.#deliver(() => this.#receiver?.deliverDirect(message));
  }

  async publishDeletion(type: string, instance: string): Promise<void> {
    // Bookkeeping like a subscription: it takes effect in order.
    this.#receiver?.deliverDeletion(type, instance);
  }

  async close(): Promise<void> {
    this.#receiver = undefined;
  }

  #deliver(send: () => void): void {
    this.counts.delivered += 1;
    const copies = Math.random() < this.#rates.duplicate ? 2 : 1;
    if (copies === 2) this.counts.duplicated += 1;
    for (let copy = 0; copy < copies; copy++) {
      if (Math.random() < this.#rates.delay) {
        this.counts.delayed += 1;
        setTimeout(send, Math.random() * this.#rates.maxDelayMs);
      } else {
        send();
      }
    }
  }
}
