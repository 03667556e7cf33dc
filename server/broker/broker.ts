import type { Observer } from '../observe/observer.js';
import type { Awaitable } from '../util/awaitable.js';
/** A change to one instance, as published to every process serving the app. */
export interface PublishedBatch {
  type: string;
  instance: string;
  rev: number;
  /** The patch array (JSON text) every subscriber receives. */
  batch: string;
  /**
   * The stream (registry key) whose event made the change: it receives `batch` with `ack` appended, in one
   * message. `eventId` names that event where the batch is delivered without leaving the process (for its
   * trace); a broker that carries batches elsewhere need not carry it.
   */
  origin?: { stream: string; ack: string; eventId?: string };
}

/** A message for one client, wherever its stream is. */
export interface DirectMessage {
  /** The stream's registry key (the client id within its session). */
  stream: string;
  /** A patch array (JSON text); absent when the message only moves a position or a subscription. */
  message?: string;
  /**
   * The instance position this message brings the client to, whether it subscribes it, and the name the
   * client uses for the instance when it differs (see `resolveInstance`).
   */
  position?: { type: string; instance: string; rev: number; subscribe?: boolean; alias?: string };
  /** Stops delivering an instance, under `name` (the client's name for it; all its names without one). */
  unsubscribe?: { type: string; instance: string; name?: string };
}

/** Where a process receives what is published. */
export interface BrokerReceiver {
  deliverBatch(batch: PublishedBatch): void;
  deliverDirect(message: DirectMessage): void;
  /** An instance was deleted: tell the streams subscribed to it, and unsubscribe them. */
  deliverDeletion(type: string, instance: string): void;
  /**
   * Closes every stream of this process: the broker may have lost messages meant for them, and their clients
   * mount again from the revisions they hold (the log fills the gap).
   */
  disconnectAll(reason: string): void;
}

/**
 * Moves patches from the process that made them to the processes holding the streams. Messages published by
 * one process reach every receiver in the order they were published.
 */
export interface Broker {
  /** True when streams may live in other processes (so a missing local stream proves nothing). */
  readonly distributed: boolean;
  /** Called once by the engine. */
  attach(receiver: BrokerReceiver): void;
  /** Publishes a batch; an in-process broker that delivers at once returns nothing to wait for. */
  publish(batch: PublishedBatch): Awaitable<void>;
  sendDirect(message: DirectMessage): Awaitable<void>;
  /** Tells every receiver that an instance was deleted (`deliverDeletion`). */
  publishDeletion(type: string, instance: string): Awaitable<void>;
  close(): Promise<void>;
  /** Optional: the engine hands its observer over, for a broker that can report its backend's failures (Redis). */
  observe?(observer: Observer): void;
}
