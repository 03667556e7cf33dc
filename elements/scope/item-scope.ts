import { readPath, type JsonObject, type JsonValue } from '../../protocol/index.js';
import type { EventResult } from '../connection/page-connection.js';
import type { Scope } from './scope.js';

/**
 * The scope of one keyed-list item: bindings inside read the item, and events sent from inside carry the
 * item's key (under the list's `key` name) so the handler knows which item was meant.
 */
export class ItemScope implements Scope {
  readonly #parent: Scope;
  readonly #keyName: string | undefined;
  readonly #schema: () => JsonObject | undefined;
  readonly #watchers = new Set<() => void>();
  #item: JsonValue;

  constructor(parent: Scope, item: JsonValue, keyName: string | undefined, schema: () => JsonObject | undefined) {
    this.#parent = parent;
    this.#item = item;
    this.#keyName = keyName;
    this.#schema = schema;
  }

  get type(): string {
    return this.#parent.type;
  }

  get instance(): string {
    return this.#parent.instance;
  }

  get item(): JsonValue {
    return this.#item;
  }

  /** Replaces the item (same key, new content) and tells every binding inside. */
  set item(item: JsonValue) {
    if (item === this.#item) return;
    this.#item = item;
    for (const watcher of [...this.#watchers]) watcher();
  }

  read(path: string): JsonValue | undefined {
    return path === '.' ? this.#item : readPath(this.#item, path.split('.'));
  }

  watch(_prop: string, callback: () => void): () => void {
    this.#watchers.add(callback);
    return () => this.#watchers.delete(callback);
  }

  send(event: string, payload: JsonObject, origin?: Element): Promise<EventResult> {
    const item = this.#item;
    const withKey: JsonObject = { ...payload };
    if (this.#keyName !== undefined && item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const key = item[this.#keyName];
      if (key !== undefined) withKey[this.#keyName] = key;
    }
    return this.#parent.send(event, withKey, origin);
  }

  schema(): JsonObject | undefined {
    return this.#schema();
  }
}
