/**
 * Patches: what the server sends. One message on either transport is a JSON array of patches, and the
 * same array serialises to the same bytes on SSE and WebSocket.
 */

/** The `action` discriminator of a patch, as a const object so it doubles as a runtime value. */
export const PatchAction = {
  Schema: 'schema',
  BindUpdate: 'bindUpdate',
  Error: 'error',
  Ack: 'ack',
  Snapshot: 'snapshot',
} as const;
export type PatchAction = (typeof PatchAction)[keyof typeof PatchAction];

/** A JSON value, as it travels on the wire. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The JSON Schema of one type, sent once per mount so the browser can check its bindings. */
export interface SchemaPatch {
  action: typeof PatchAction.Schema;
  type: string;
  instance: string;
  schema: JsonObject;
}

/**
 * One top-level property of an instance changed. `value: null` means the property was removed or cleared.
 * `rev` is the instance revision this change produces; every patch of one change carries the same `rev`, and
 * a `snapshot` batch (answer to a mount or resync) replaces whatever the client had.
 */
export interface BindUpdatePatch {
  action: typeof PatchAction.BindUpdate;
  type: string;
  instance: string;
  prop: string;
  value: JsonValue;
  rev: number;
  snapshot?: true;
}

/** Something went wrong. With `eventId` it is the (negative) acknowledgement of that event. */
export interface ErrorPatch {
  action: typeof PatchAction.Error;
  message: string;
  eventId?: string;
  type?: string;
  instance?: string;
  /** Machine-readable reason, e.g. `unknown_event`, `handler_failed`, `not_mounted`. */
  code?: string;
  /** The form field a user-facing error is about (from a handler's `NascError`). */
  field?: string;
  /** Extra JSON a handler's `NascError` attached. */
  details?: JsonObject;
  /**
   * The event was not taken (`rate_limited`) or not processed (`internal`, `backend_unavailable`): send the same
   * event (same `eventId`) again after this long. Never set when the event's outcome is final.
   */
  retryAfterMs?: number;
}

/** The positive acknowledgement of an event: it was applied (exactly once), producing `rev`. */
export interface AckPatch {
  action: typeof PatchAction.Ack;
  eventId: string;
  type: string;
  instance: string;
  rev: number;
}

/**
 * Opens a snapshot of an instance at `rev`: the `bindUpdate`s with `snapshot: true` that follow in the same
 * message are its whole state (anything else the client shows is cleared). `reset` says the instance was
 * created anew (e.g. a server without persistence restarted), so revisions started over: apply it even if the
 * client has seen higher ones.
 */
export interface SnapshotPatch {
  action: typeof PatchAction.Snapshot;
  type: string;
  instance: string;
  rev: number;
  reset?: true;
}

/** Any patch the server sends. */
export type Patch = SchemaPatch | BindUpdatePatch | ErrorPatch | AckPatch | SnapshotPatch;
