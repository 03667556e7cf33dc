import type { JsonObject } from '../protocol/index.js';
import { DEFAULT_TIMEOUT_MS } from './message-queue.js';
import { RefusedError, type AppliedOutcome, type RefusedOutcome, type TestOutcome } from './test-outcome.js';

/** What an instance needs of the client that shows it (a `TestClient`). */
export interface InstanceHost {
  state(type: string, instance: string): JsonObject;
  rev(type: string, instance: string): number;
  send(type: string, instance: string, event: string, payload?: JsonObject): Promise<TestOutcome>;
  until(condition: () => boolean, what: string | (() => string), timeoutMs?: number): Promise<void>;
}

/**
 * One instance as one client shows it (what a `<na-scope>` is on a page): its state as the client knows it,
 * and its events.
 *
 * @example
 * const counter = await alice.mount('Counter', 'main');
 * await counter.expectApplied('add', { by: 2 });
 * assert.deepEqual(counter.state, { count: 2 });
 */
export class TestInstance {
  /** The client showing it. */
  readonly client: InstanceHost;
  readonly type: string;
  /** The instance as the client names it (before the app's `resolveInstance`). */
  readonly instance: string;

  constructor(client: InstanceHost, type: string, instance: string) {
    this.client = client;
    this.type = type;
    this.instance = instance;
  }

  /** The state as this client knows it now (a copy): the snapshot, then every patch received since. */
  get state(): JsonObject {
    return this.client.state(this.type, this.instance);
  }

  /** The revision this client holds. */
  get rev(): number {
    return this.client.rev(this.type, this.instance);
  }

  /** Sends an event; resolves with what became of it, applied or refused. */
  send(event: string, payload: JsonObject = {}): Promise<TestOutcome> {
    return this.client.send(this.type, this.instance, event, payload);
  }

  /** Sends an event that must be applied; throws a {@link RefusedError} otherwise. */
  async expectApplied(event: string, payload: JsonObject = {}): Promise<AppliedOutcome> {
    const outcome = await this.send(event, payload);
    if (!outcome.ok) throw new RefusedError(`${event} on ${this.type}/${this.instance}`, outcome);
    return outcome;
  }

  /** Sends an event that must be refused; throws when it was applied. Resolves with the refusal. */
  async expectRefused(event: string, payload: JsonObject = {}): Promise<RefusedOutcome> {
    const outcome = await this.send(event, payload);
    if (outcome.ok) throw new Error(`${event} on ${this.type}/${this.instance} was applied (rev ${outcome.rev}), expected a refusal`);
    return outcome;
  }

  /**
   * Resolves with the state once `predicate` holds for it, checked now and after every message this client
   * receives: for changes other clients (or the server) make.
   */
  async waitFor(predicate: (state: JsonObject, rev: number) => boolean, what = 'the state matches', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<JsonObject> {
    const described = (): string => `${this.type}/${this.instance}: ${what} (it is ${JSON.stringify(this.state)} at rev ${this.rev})`;
    await this.client.until(() => predicate(this.state, this.rev), described, timeoutMs);
    return this.state;
  }

  /** Resolves once this client holds revision `rev` or a later one. */
  waitForRev(rev: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<JsonObject> {
    return this.waitFor((_state, current) => current >= rev, `revision ${rev}`, timeoutMs);
  }
}
