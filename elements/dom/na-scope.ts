import { ReactiveElement, type PropertyDeclarations } from '@lit/reactive-element';
import type { ErrorPatch, JsonObject, JsonValue } from '../../protocol/index.js';
import '../scope/page-context.js';
import { consumeContext } from '../scope/context-consumer.js';
import { provideContext } from '../scope/context-protocol.js';
import { connectionContext, scopeContext } from '../scope/contexts.js';
import { warnOnce } from '../dev/dev-mode.js';
import { checkEventName, checkScopeNames } from '../dev/manifest-check.js';
import { applyAttributeBindings } from './attribute-bindings.js';
import { delegateEvents } from './event-delegation.js';
import { NascErrorEvent } from '../connection/events.js';
import { ConnectionState, type EventResult, type InstanceChange, type PageConnection } from '../connection/page-connection.js';
import { readPath, rootProp, type Scope } from '../scope/scope.js';

/** What `<na-scope status>` shows, for CSS. */
export const ScopeStatus = { Connecting: 'connecting', Live: 'live', Offline: 'offline', Error: 'error' } as const;
export type ScopeStatus = (typeof ScopeStatus)[keyof typeof ScopeStatus];

/**
 * Mounts one server instance (`type` + `instance`) and gives the bindings and event attributes inside it
 * their data. Besides the server's properties it holds two local ones: `$error` (the last error message, until
 * the next acknowledged event) and `$errors` (field → message, from `NascError`s with a `field`).
 *
 * @example
 * <na-scope type="User" instance="currentUser"><na-bind prop="name">Guest</na-bind></na-scope>
 */
export class NaScope extends ReactiveElement implements Scope {
  // Declared here rather than with decorators: decorated classes compile to much larger code.
  static override properties: PropertyDeclarations = {
    type: { reflect: true },
    instance: { reflect: true },
    transport: { reflect: true },
    params: { type: Object },
    status: { reflect: true },
  };

  type = '';
  instance = '';
  /** Asks the page for a transport (`ws`/`sse`); only scopes present when the page connects count. */
  transport?: string;
  /** Extra mount parameters, as a JSON object. */
  params: JsonObject = {};
  /** Reflects the scope's state: `connecting`, `live`, `offline`, or `error`. */
  status: ScopeStatus = ScopeStatus.Connecting;

  #connection: PageConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  #undelegate: (() => void) | undefined;
  readonly #watchers = new Map<string, Set<() => void>>();
  readonly #local = new Map<string, JsonValue>();
  #failed = false;

  constructor() {
    super();
    provideContext(this, scopeContext, this);
    consumeContext(this, connectionContext, (connection) => this.#useConnection(connection));
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#undelegate ??= delegateEvents(this);
    if (this.#connection) this.#subscribe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#undelegate?.();
    this.#undelegate = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if ((changed.has('type') || changed.has('instance')) && this.#connection && this.isConnected) this.#subscribe();
  }

  // Scope.

  read(path: string): JsonValue | undefined {
    const segments = path.split('.');
    const first = segments[0]!;
    const top = first.startsWith('$') ? this.#local.get(first) : this.#connection?.value(this.type, this.instance, first);
    return segments.length === 1 ? top : readPath(top, segments.slice(1));
  }

  watch(prop: string, callback: () => void): () => void {
    let set = this.#watchers.get(prop);
    if (!set) this.#watchers.set(prop, (set = new Set()));
    set.add(callback);
    const watchers = set;
    return () => watchers.delete(callback);
  }

  send(event: string, payload: JsonObject, origin?: Element): Promise<EventResult> {
    const connection = this.#connection;
    if (!connection) return Promise.reject(new Error('<na-scope> is not connected to a Nasc connection'));
    if (globalThis.NASC_DEV_MODE !== false) checkEventName(this.type, event, connection.base, origin);
    return connection.send(this.type, this.instance, event, payload, origin);
  }

  schema(): JsonObject | undefined {
    return this.#connection?.schema(this.type);
  }

  // Internals.

  #useConnection(connection: PageConnection): void {
    if (connection === this.#connection) return;
    this.#connection?.removeEventListener('nasc-connected', this.#onConnectionChange);
    this.#connection?.removeEventListener('nasc-disconnected', this.#onConnectionChange);
    this.#connection = connection;
    connection.addEventListener('nasc-connected', this.#onConnectionChange);
    connection.addEventListener('nasc-disconnected', this.#onConnectionChange);
    if (this.isConnected) this.#subscribe();
  }

  #subscribe(): void {
    const connection = this.#connection!;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    // Dev checks are tested in place (not through warnOnce alone) so their messages leave the production bundle.
    if (!this.type || !this.instance) {
      // Keyed by what is missing, not by the markup: the markup changes as `status` is reflected, and a key
      // taken from it printed the same warning twice (once on connect, once after the first update).
      if (globalThis.NASC_DEV_MODE !== false) {
        const missing = this.type ? 'instance' : this.instance ? 'type' : 'type and instance';
        warnOnce(`scope-incomplete:${this.type}:${this.instance}`, `<na-scope> needs both type and instance attributes; this one has no ${missing}, so it mounts nothing.`, this);
      }
      this.#onConnectionChange();
      return;
    }
    if (globalThis.NASC_DEV_MODE !== false) checkScopeNames(this, this.type, connection.base);
    const asked = globalThis.NASC_DEV_MODE !== false ? (this.transport ?? this.getAttribute('na-transport')) : null;
    if (asked && connection.transport && asked !== connection.transport) {
      warnOnce(
        `scope-transport:${asked}`,
        `<na-scope transport="${asked}"> asks for ${asked}, but the page's one connection uses ${connection.transport} (picked once, when the page connected: a scope asking for WebSocket or the page's setting decides).`,
        this,
      );
    }
    this.#unsubscribe = connection.subscribe(this.type, this.instance, this.params, this.#onChange);
    this.#onConnectionChange();
  }

  readonly #onChange = (change: InstanceChange): void => {
    switch (change.kind) {
      case 'prop':
        this.#notify(change.prop);
        break;
      case 'ack':
        this.#setFailed(false);
        if (this.#local.size > 0) {
          this.#local.clear();
          this.#notify('$error');
          this.#notify('$errors');
        }
        break;
      case 'error':
        this.#showError(change.error);
        break;
      case 'schema':
        // Every binding checks itself against the schema, even one whose property never arrives.
        for (const watchers of this.#watchers.values()) for (const watcher of [...watchers]) watcher();
        break;
    }
  };

  readonly #onConnectionChange = (): void => {
    const state = this.#connection?.state;
    if (this.#failed) return;
    // A scope without type or instance mounts nothing, so it is never live, whatever the connection is.
    this.status = !this.type || !this.instance
      ? ScopeStatus.Error
      : state === ConnectionState.Live
        ? ScopeStatus.Live
        : state === ConnectionState.Reconnecting || state === ConnectionState.Offline || state === ConnectionState.Closed
          ? ScopeStatus.Offline
          : ScopeStatus.Connecting;
  };

  #showError(error: ErrorPatch): void {
    this.#setFailed(true);
    this.#local.set('$error', error.message);
    this.#local.set('$errors', error.field ? { [error.field]: error.message } : {});
    this.#notify('$error');
    this.#notify('$errors');
    this.dispatchEvent(new NascErrorEvent(error, { bubbles: true, composed: true }));
  }

  #setFailed(failed: boolean): void {
    this.#failed = failed;
    if (failed) this.status = ScopeStatus.Error;
    else this.#onConnectionChange();
  }

  #notify(prop: string): void {
    const top = rootProp(prop);
    const watchers = this.#watchers.get(top);
    if (watchers) for (const watcher of [...watchers]) watcher();
    applyAttributeBindings([this], this, top);
  }
}

customElements.define('na-scope', NaScope);

declare global {
  interface HTMLElementTagNameMap {
    'na-scope': NaScope;
  }
}
