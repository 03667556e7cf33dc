import type { JsonObject, JsonValue } from '../../protocol/index.js';
import type { EventResult } from '../connection/page-connection.js';

/** What bindings and event attributes need from the scope they sit in. */
export interface Scope {
  readonly type: string;
  readonly instance: string;
  /** The value at a dotted path (`address.city`; `.` is the scope's whole value); undefined until known. */
  read(path: string): JsonValue | undefined;
  /** Calls back when the top-level property `prop` may have changed; returns the unsubscribe function. */
  watch(prop: string, callback: () => void): () => void;
  /** Sends an event for this scope's instance (a list item adds its key to the payload). */
  send(event: string, payload: JsonObject, origin?: Element): Promise<EventResult>;
  /** The JSON Schema describing this scope's value, when the server sent one (dev checks use it). */
  schema(): JsonObject | undefined;
}

/** The first segment of a path: what `watch` is keyed by. */
export function rootProp(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}
