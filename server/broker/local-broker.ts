import type { Broker, BrokerReceiver, DirectMessage, PublishedBatch } from './broker.js';

/** The in-process {@link Broker}: delivers synchronously to this process's streams. */
export class LocalBroker implements Broker {
  readonly distributed = false;
  #receiver: BrokerReceiver | undefined;

  attach(receiver: BrokerReceiver): void {
    this.#receiver = receiver;
  }

  publish(batch: PublishedBatch): void {
    this.#receiver?.deliverBatch(batch);
  }

  sendDirect(message: DirectMessage): void {
    this.#receiver?.deliverDirect(message);
  }

  publishDeletion(type: string, instance: string): void {
    this.#receiver?.deliverDeletion(type, instance);
  }

  async close(): Promise<void> {
    this.#receiver = undefined;
  }
}
