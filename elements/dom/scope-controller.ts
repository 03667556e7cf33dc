import type { ReactiveController, ReactiveControllerHost } from '@lit/reactive-element';
import type { ErrorPatch, JsonObject } from '../../protocol/index.js';
import '../scope/page-context.js';
import { consumeContext } from '../scope/context-consumer.js';
import { connectionContext } from '../scope/contexts.js';
import type { EventResult, InstanceChange, PageConnection } from '../connection/page-connection.js';

/** Which instance a {@link ScopeController} shows. */
export interface ScopeControllerOptions {
  type: string;
  instance: string;
  params?: JsonObject;
}

/**
 * Gives a Lit component one server instance's state, reactively, and `send(event, payload)`. It finds the
 * page connection through context, mounts on `hostConnected` and unmounts on `hostDisconnected`.
 *
 * @example
 * class TodoCount extends LitElement {
 *   #todos = new ScopeController<{ items: Todo[] }>(this, { type: 'TodoList', instance: 'my-list' });
 *   render() { return html`${this.#todos.state.items?.length ?? 0} todos`; }
 * }
 */
export class ScopeController<State extends object = JsonObject> implements ReactiveController {
  /** The instance's known state (empty until the first patch). */
  state: Partial<State> = {};
  /** The last error for this instance, until the next acknowledged event. */
  error: ErrorPatch | undefined;
  readonly #host: ReactiveControllerHost & HTMLElement;
  #options: ScopeControllerOptions;
  #connection: PageConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  #hostConnected = false;

  constructor(host: ReactiveControllerHost & HTMLElement, options: ScopeControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
    consumeContext(host, connectionContext, (connection) => {
      this.#connection = connection;
      if (this.#hostConnected) this.#subscribe();
    });
  }

  /** The page connection in use, once context provided it. */
  get connection(): PageConnection | undefined {
    return this.#connection;
  }

  /** Shows another instance (re-mounting). */
  setInstance(options: ScopeControllerOptions): void {
    this.#options = options;
    if (this.#hostConnected) this.#subscribe();
  }

  hostConnected(): void {
    this.#hostConnected = true;
    if (this.#connection) this.#subscribe();
  }

  hostDisconnected(): void {
    this.#hostConnected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Sends an event for this instance; resolves with its acknowledged outcome. */
  send(event: string, payload: JsonObject = {}): Promise<EventResult> {
    if (!this.#connection) return Promise.reject(new Error('ScopeController has no Nasc connection yet'));
    return this.#connection.send(this.#options.type, this.#options.instance, event, payload, this.#host);
  }

  #subscribe(): void {
    this.#unsubscribe?.();
    this.state = {};
    const { type, instance, params = {} } = this.#options;
    this.#unsubscribe = this.#connection!.subscribe(type, instance, params, (change: InstanceChange) => {
      if (change.kind === 'prop') {
        const next = { ...this.state } as Record<string, unknown>;
        if (change.value === null) delete next[change.prop];
        else next[change.prop] = change.value;
        this.state = next as Partial<State>;
      } else if (change.kind === 'error') {
        this.error = change.error;
      } else if (change.kind === 'schema') {
        return;
      } else {
        this.error = undefined;
      }
      this.#host.requestUpdate();
    });
  }
}

/** The result type of {@link ScopeController.send}. */
export type { EventResult };
