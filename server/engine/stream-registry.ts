import { PatchAction, type ErrorPatch } from '../../protocol/index.js';
import type { BrokerReceiver, DirectMessage, PublishedBatch } from '../broker/broker.js';
import type { Observer } from '../observe/observer.js';
import type { InstanceRef } from '../store/store.js';
import { Connection, type ClientChannel } from './connection.js';
import { rememberConnectionKey } from './connection-key.js';
import type { Caller } from './engine-options.js';
import type { InstanceKeys } from './instance-keys.js';
import { SessionStreams } from './session-streams.js';

/**
 * The streams open on this process and what each is subscribed to. It is where the broker delivers: a
 * change, an answer to one client, or a deletion reaches the streams here, whichever process made it (the
 * in-process broker delivers at once, the Redis one after a round trip through Redis).
 */
export class StreamRegistry implements BrokerReceiver {
  readonly #keys: InstanceKeys;
  readonly #observer: Observer;
  readonly #connections = new Map<string, Connection>();
  readonly #subscribers = new Map<string, Set<Connection>>();
  /** Open streams per session. */
  readonly #sessions = new SessionStreams();
  /**
   * The open stream holding each client id. While one session holds a client id, no other session may use
   * it; once its streams are gone it is free again (the session is part of every stream's key, so a later
   * holder never sees the earlier one's data).
   */
  readonly #holders = new Map<string, Connection>();

  /** `observer` hears how many streams each batch reached. */
  constructor(keys: InstanceKeys, observer: Observer) {
    this.#keys = keys;
    this.#observer = observer;
  }

  /** Open streams on this process. */
  get size(): number {
    return this.#connections.size;
  }

  /** The stream of a client (by its registry key), if open here. */
  get(key: string): Connection | undefined {
    return this.#connections.get(key);
  }

  /** Whether another session's open stream holds this caller's client id. */
  heldByOther(caller: Caller): boolean {
    const holder = this.#holders.get(caller.clientId);
    return holder !== undefined && holder.session !== caller.session;
  }

  /** Streams the session holds now. */
  streamsOf(session: string): number {
    return this.#sessions.count(session);
  }

  /** Instances the session's streams are subscribed to now. */
  mountsOf(session: string): number {
    let count = 0;
    for (const connection of this.#sessions.of(session)) count += connection.subscriptions.size;
    return count;
  }

  /** Registers a client's stream, replacing (and closing) any earlier stream of the same client. */
  open(caller: Caller, channel: ClientChannel): Connection {
    const key = rememberConnectionKey(caller);
    const previous = this.#connections.get(key);
    if (previous) {
      this.close(previous);
      previous.channel.close('replaced by a newer stream of the same client');
    }
    const connection = new Connection(key, caller, channel);
    this.#connections.set(key, connection);
    this.#holders.set(caller.clientId, connection);
    this.#sessions.add(connection);
    return connection;
  }

  /** Unregisters a stream. A late close of a replaced stream leaves the newer one alone. */
  close(connection: Connection): void {
    if (this.#connections.get(connection.key) === connection) this.#connections.delete(connection.key);
    if (this.#holders.get(connection.clientId) === connection) this.#holders.delete(connection.clientId);
    this.#sessions.delete(connection);
    for (const key of connection.subscriptions.keys()) this.#unsubscribe(key, connection);
  }

  /** Closes the streams `which` picks (every one without it); returns how many. */
  closeAll(reason: string, which?: (connection: Connection) => boolean): number {
    let closed = 0;
    for (const connection of [...this.#connections.values()]) {
      if (which && !which(connection)) continue;
      connection.channel.close(reason);
      this.close(connection);
      closed += 1;
    }
    return closed;
  }

  /** The instances this process's streams are subscribed to. */
  *shown(): Iterable<InstanceRef> {
    for (const key of this.#subscribers.keys()) {
      const separator = key.indexOf('\u0000');
      yield { type: key.slice(0, separator), instance: key.slice(separator + 1) };
    }
  }

  // BrokerReceiver: what reaches this process.

  deliverBatch(published: PublishedBatch): void {
    const key = this.#keys.of(published.type, published.instance);
    const subscribers = this.#subscribers.get(key);
    const origin = published.origin;
    let originServed = false;
    if (subscribers) {
      for (const connection of subscribers) {
        if (origin && connection.key === origin.stream) {
          originServed = true;
          connection.send(`${published.batch.slice(0, -1)},${origin.ack}]`);
        } else {
          connection.send(published.batch);
        }
      }
    }
    if (origin && !originServed) this.#connections.get(origin.stream)?.send(`[${origin.ack}]`);
    this.#observer.delivered(subscribers ? subscribers.size : 0, origin?.eventId);
  }

  deliverDeletion(type: string, instance: string): void {
    const key = this.#keys.of(type, instance);
    const subscribers = this.#subscribers.get(key);
    if (!subscribers) return;
    this.#subscribers.delete(key);
    const error: ErrorPatch = { action: PatchAction.Error, message: 'This instance was deleted.', code: 'instance_deleted', type, instance };
    const message = JSON.stringify([error]);
    for (const connection of subscribers) {
      // Sent while still subscribed, so it names the instance as the page does; then every name goes.
      connection.send(message);
      connection.unsubscribe(key, instance);
    }
  }

  deliverDirect(direct: DirectMessage): void {
    const connection = this.#connections.get(direct.stream);
    if (!connection) return;
    const unsubscribe = direct.unsubscribe;
    if (unsubscribe) {
      const key = this.#keys.of(unsubscribe.type, unsubscribe.instance);
      if (connection.unsubscribe(key, unsubscribe.instance, unsubscribe.name)) this.#unsubscribe(key, connection);
    }
    const position = direct.position;
    if (position?.subscribe) {
      const key = this.#keys.of(position.type, position.instance);
      connection.subscribe(key, position.instance, position.alias ?? position.instance);
      this.#subscribe(key, connection);
    }
    if (direct.message !== undefined) connection.send(direct.message);
  }

  /** Every open stream, closed so that its client mounts again (the broker may have lost messages). */
  disconnectAll(reason = 'server closed the stream'): void {
    this.closeAll(reason);
  }

  #subscribe(key: string, connection: Connection): void {
    let set = this.#subscribers.get(key);
    if (!set) this.#subscribers.set(key, (set = new Set()));
    set.add(connection);
  }

  #unsubscribe(key: string, connection: Connection): void {
    const set = this.#subscribers.get(key);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.#subscribers.delete(key);
  }
}
