import { randomUUID } from 'node:crypto';
import type { BindUpdatePatch, ClientEvent, JsonObject } from '../protocol/index.js';
import { openLink, type ClientLink, type Endpoints, type TransportName } from './client-link.js';
import { InstanceView, instanceOf, viewKey } from './instance-view.js';
import { DEFAULT_TIMEOUT_MS } from './message-queue.js';
import type { ServerMessage } from './server-message.js';
import { RefusedError, refusedByHttp, refusedByPatch, type TestOutcome } from './test-outcome.js';
import { TestInstance } from './test-instance.js';

interface Pending {
  resolve: (outcome: TestOutcome) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Watcher {
  check: () => boolean;
  done: () => void;
}

/**
 * One browser tab, as the server sees it: a stream over SSE (events as POSTs) or one WebSocket, a client id,
 * and a session (one per browser: {@link TestServer.connect} makes a new one unless told to share). It keeps
 * every instance it mounted as the page would, from the patches it receives.
 */
export class TestClient {
  readonly transport: TransportName;
  readonly clientId: string;
  /** Every message the server sent this client, in order, across reconnects: compare them between transports. */
  readonly messages: ServerMessage[] = [];
  readonly #endpoints: Endpoints;
  #cookie: string | undefined;
  #link: ClientLink | undefined;
  #stopListening: (() => void) | undefined;
  readonly #views = new Map<string, { view: InstanceView; type: string; instance: string; params: JsonObject }>();
  readonly #pending = new Map<string, Pending>();
  readonly #watchers = new Set<Watcher>();

  private constructor(transport: TransportName, endpoints: Endpoints, clientId: string, cookie: string | undefined) {
    this.transport = transport;
    this.#endpoints = endpoints;
    this.clientId = clientId;
    this.#cookie = cookie;
  }

  /** Opens a client; `cookie` joins an existing session (another tab of the same browser). Use `TestServer.connect`. */
  static async open(transport: TransportName, endpoints: Endpoints, options: { clientId?: string; cookie?: string } = {}): Promise<TestClient> {
    const client = new TestClient(transport, endpoints, options.clientId ?? randomUUID(), options.cookie);
    await client.#connect();
    return client;
  }

  /** The session cookie (`name=value`) this client's browser holds: pass it on to open another tab. */
  get cookie(): string | undefined {
    return this.#cookie;
  }

  /** True while the stream is open. */
  get connected(): boolean {
    return this.#link !== undefined && !this.#link.messages.ended;
  }

  /**
   * Mounts an instance as a `<na-scope type instance params>` does, and resolves once its snapshot arrived.
   * Throws a {@link RefusedError} when the server refuses (unknown type, `authorize`, `instances.create`).
   */
  async mount(type: string, instance: string, params: JsonObject = {}): Promise<TestInstance> {
    const key = viewKey(type, instance);
    const entry = this.#views.get(key) ?? { view: new InstanceView(), type, instance, params };
    this.#views.set(key, entry);
    const outcome = await this.#request({ event: 'mount', type, instance, payload: params });
    if (!outcome.ok) {
      this.#views.delete(key);
      throw new RefusedError(`mounting ${type}/${instance}`, outcome);
    }
    return new TestInstance(this, type, instance);
  }

  /** Sends an event, as `na-click`, `na-submit` or `na-input` would, and resolves with what became of it. */
  send(type: string, instance: string, event: string, payload: JsonObject = {}): Promise<TestOutcome> {
    return this.#request({ event, type, instance, payload });
  }

  /** The state of a mounted instance as this client knows it (a copy). */
  state(type: string, instance: string): JsonObject {
    return structuredClone(this.#view(type, instance).view.state);
  }

  /** The revision of a mounted instance as this client knows it. */
  rev(type: string, instance: string): number {
    return this.#view(type, instance).view.rev;
  }

  /** Resolves once `condition` holds, checked now and after every message; rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string | (() => string), timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const watcher: Watcher = {
        check: condition,
        done: () => {
          clearTimeout(timer);
          this.#watchers.delete(watcher);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#watchers.delete(watcher);
        reject(new Error(`${this.transport} client ${this.clientId}: timed out after ${timeoutMs} ms waiting until ${typeof what === 'string' ? what : what()}`));
      }, timeoutMs);
      this.#watchers.add(watcher);
    });
  }

  /** Drops the stream, as a tab losing its network does; events sent meanwhile wait for `reconnect`. */
  async disconnect(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    await link?.close();
  }

  /**
   * Opens the stream again under the same client id and session, and mounts every instance again with the
   * revision it holds, as the page does: the server answers with what it missed (or a snapshot). Resolves once
   * every instance is current.
   */
  async reconnect(): Promise<void> {
    await this.disconnect();
    await this.#connect();
    await Promise.all(
      [...this.#views.values()].map(async ({ view, type, instance, params }) => {
        const outcome = await this.#request({ event: 'mount', type, instance, payload: params, rev: view.rev });
        if (!outcome.ok) throw new RefusedError(`mounting ${type}/${instance} again`, outcome);
      }),
    );
  }

  /** Closes the stream for good. */
  async close(): Promise<void> {
    await this.disconnect();
    for (const [eventId, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`the client closed before event ${eventId} was answered`));
    }
    this.#pending.clear();
  }

  async #connect(): Promise<void> {
    const link = await openLink(this.transport, this.#endpoints, this.clientId, this.#cookie);
    this.#cookie = link.issuedCookie ?? this.#cookie;
    this.#stopListening?.();
    this.#stopListening = link.messages.listen(
      (message) => this.#receive(message),
      () => this.#recheck(),
    );
    this.#link = link;
    // The opening `[]` proves messages flow; nothing is sent before it.
    await this.until(() => link.messages.received.length > 0, 'the stream opened');
  }

  #view(type: string, instance: string): { view: InstanceView } {
    const entry = this.#views.get(viewKey(type, instance));
    if (!entry) throw new Error(`${type}/${instance} is not mounted by this client`);
    return entry;
  }

  async #request(event: Omit<ClientEvent, 'eventId'>): Promise<TestOutcome> {
    const link = this.#link;
    if (!link) throw new Error(`the ${this.transport} client ${this.clientId} is disconnected: reconnect() first`);
    const eventId = randomUUID();
    const answered = new Promise<TestOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(eventId);
        reject(new Error(`no answer to ${event.event} on ${event.type}/${event.instance} within ${DEFAULT_TIMEOUT_MS} ms`));
      }, DEFAULT_TIMEOUT_MS);
      this.#pending.set(eventId, { resolve, reject, timer });
    });
    const refused = await link.send({ ...event, eventId });
    if (refused) this.#settle(eventId, refusedByHttp(eventId, refused));
    return answered;
  }

  #settle(eventId: string, outcome: TestOutcome): void {
    const pending = this.#pending.get(eventId);
    if (!pending) return;
    this.#pending.delete(eventId);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  #receive(message: ServerMessage): void {
    this.messages.push(message);
    for (const patch of message.patches) {
      const key = instanceOf(patch);
      if (key !== undefined) this.#views.get(key)?.view.apply(patch);
    }
    // Answers after the patches of their message: an awaited event finds its change already in `state`.
    for (const patch of message.patches) {
      if (patch.action === 'ack') {
        const batch = message.patches.filter((p): p is BindUpdatePatch => p.action === 'bindUpdate' && p.rev === patch.rev && p.instance === patch.instance && p.type === patch.type);
        this.#settle(patch.eventId, { ok: true, eventId: patch.eventId, rev: patch.rev, patches: batch });
      } else if (patch.action === 'error' && patch.eventId !== undefined) {
        this.#settle(patch.eventId, refusedByPatch(patch.eventId, patch));
      }
    }
    this.#recheck();
  }

  #recheck(): void {
    for (const watcher of [...this.#watchers]) if (watcher.check()) watcher.done();
  }
}
