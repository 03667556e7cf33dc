import type { ReactiveController, ReactiveControllerHost } from '@lit/reactive-element';
import type { PageConnectionEventMap } from '../connection/events.js';
import type { PageConnection } from '../connection/page-connection.js';
import { ConnectionState } from '../connection/stream-link.js';
import { consumeContext } from '../scope/context-consumer.js';
import { connectionContext } from '../scope/contexts.js';
import { TrafficLog } from './traffic-log.js';

/**
 * Records the traffic of the page connection its host finds through context (as every Nasc element finds
 * it), into a {@link TrafficLog}, while the host is connected. It never starts a connection of its own: with no
 * provider above the host, `connection` stays undefined and nothing is recorded.
 *
 * `changed` is called after each new entry; the host decides whether that is worth a render.
 */
export class TrafficController implements ReactiveController {
  readonly log = new TrafficLog();
  readonly #changed: () => void;
  #connection: PageConnection | undefined;
  #stopListening: (() => void) | undefined;
  #listeningTo: PageConnection | undefined;
  #hostConnected = false;

  constructor(host: ReactiveControllerHost & Element, changed: () => void) {
    this.#changed = changed;
    host.addController(this);
    consumeContext(host, connectionContext, (connection) => {
      this.#connection = connection;
      if (this.#hostConnected) this.#listen();
    });
  }

  /** The connection recorded, once context provided one. */
  get connection(): PageConnection | undefined {
    return this.#connection;
  }

  hostConnected(): void {
    this.#hostConnected = true;
    if (this.#connection) this.#listen();
  }

  hostDisconnected(): void {
    this.#hostConnected = false;
    this.#stop();
  }

  #listen(): void {
    const connection = this.#connection!;
    if (this.#listeningTo === connection) return;
    this.#stop();
    const { log } = this;
    const changed = this.#changed;
    const stops = [
      on(connection, 'nasc-send', ({ event }) => {
        log.recordSend(event, connection.transport, performance.now());
        changed();
      }),
      on(connection, 'nasc-patch', ({ patches }) => {
        log.recordMessage(patches, connection.transport, performance.now());
        changed();
      }),
      on(connection, 'nasc-error', ({ error }) => {
        if (log.recordError(error, connection.transport, performance.now())) changed();
      }),
      on(connection, 'nasc-connected', ({ transport }) => {
        log.recordLive(transport, performance.now());
        changed();
      }),
      on(connection, 'nasc-disconnected', ({ transport, reason, attempt, retryInMs }) => {
        log.recordDown(transport, reason, attempt, retryInMs, performance.now());
        changed();
      }),
    ];
    this.#listeningTo = connection;
    this.#stopListening = () => stops.forEach((stop) => stop());
    if (connection.state === ConnectionState.Live) {
      log.recordAttached(connection.transport, performance.now());
      changed();
    }
  }

  #stop(): void {
    this.#stopListening?.();
    this.#stopListening = undefined;
    this.#listeningTo = undefined;
  }
}

/** Adds a typed listener to the connection; returns the function that removes it. */
function on<K extends keyof PageConnectionEventMap>(
  connection: PageConnection,
  type: K,
  listener: (event: PageConnectionEventMap[K]) => void,
): () => void {
  connection.addEventListener(type, listener);
  return () => connection.removeEventListener(type, listener);
}
