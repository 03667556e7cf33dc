import type { JsonObject, JsonValue } from './patch.js';

/**
 * Reserved event names. `mount` subscribes the sender to an instance (creating it through the handler's
 * `mount` on first use) and answers with schemas and a snapshot; `unmount` stops delivery. Neither ever
 * reaches a handler as an event.
 */
export const ReservedEvent = {
  Mount: 'mount',
  Unmount: 'unmount',
} as const;
export type ReservedEvent = (typeof ReservedEvent)[keyof typeof ReservedEvent];

/** An event, client→server: one WebSocket text frame, or the body of `POST /nasc/event` plus `clientId`. */
export interface ClientEvent {
  event: string;
  type: string;
  instance: string;
  payload: JsonObject;
  eventId?: string;
  /** On `mount` only: the last revision of this instance the client holds, so the server sends what it missed. */
  rev?: number;
  /**
   * Which sending of this event this is, when it is not the first (2 for the first resend): the server counts
   * resends, and applies the event once whatever it says.
   */
  attempt?: number;
}

/** The body of `POST /nasc/event`. */
export interface PostedEvent extends ClientEvent {
  clientId: string;
}

/** What a failed validation says: a message fit for the client and a stable code. */
export interface EventRejection {
  ok: false;
  code: string;
  message: string;
}

/** A validated event. */
export interface EventAccepted<T> {
  ok: true;
  value: T;
}

/** Longest id accepted in `type`, `instance`, `event`, `eventId` and `clientId`. */
export const MAX_ID_LENGTH = 200;

// Ids end up in SSE frames, log lines, store keys and URI-encoded cursors: printable ASCII and non-control
// Unicode only. With the `u` flag a surrogate pair is one code point, so `\ud800-\udfff` refuses only a lone
// surrogate (a JSON escape can send one), which `encodeURIComponent` cannot encode.
const ID_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]+$/u;

/** True when `value` is a string usable as an id on the wire (no control characters, bounded length). */
export function isWireId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reject(code: string, message: string): EventRejection {
  return { ok: false, code, message };
}

/**
 * Checks the shape of a decoded event and returns a clean copy, or a rejection saying what is wrong.
 * `requireClientId` is set for `POST /nasc/event`, where the body names its stream.
 *
 * @example
 * const checked = validateClientEvent(JSON.parse(frame));
 * if (!checked.ok) reply({ action: 'error', message: checked.message });
 */
export function validateClientEvent(input: unknown, requireClientId: true): EventAccepted<PostedEvent> | EventRejection;
export function validateClientEvent(input: unknown, requireClientId?: false): EventAccepted<ClientEvent> | EventRejection;
export function validateClientEvent(
  input: unknown,
  requireClientId = false,
): EventAccepted<ClientEvent | PostedEvent> | EventRejection {
  if (!isPlainObject(input)) return reject('bad_shape', 'An event must be a JSON object.');
  // Each field read once, by name: this runs for every event, and a loop over field names (keyed loads) or a
  // spread to add `clientId` cost more than the checks themselves.
  const { event: name, type, instance, payload, eventId, rev, attempt } = input;
  const badId = checkId('event', name) ?? checkId('type', type) ?? checkId('instance', instance);
  if (badId) return badId;
  if (payload !== undefined && payload !== null && !isPlainObject(payload)) {
    return reject('bad_field', 'Field "payload" must be a JSON object.');
  }
  if (eventId !== undefined && !isWireId(eventId)) return badField('eventId');
  if (rev !== undefined && !(Number.isSafeInteger(rev) && (rev as number) >= 0)) {
    return reject('bad_field', 'Field "rev" must be a non-negative integer.');
  }
  if (attempt !== undefined && !(Number.isSafeInteger(attempt) && (attempt as number) >= 1)) {
    return reject('bad_field', 'Field "attempt" must be a positive integer.');
  }
  const clientId = requireClientId ? input.clientId : undefined;
  if (requireClientId) {
    const badClient = checkId('clientId', clientId);
    if (badClient) return badClient;
  }
  const event: ClientEvent | PostedEvent = {
    event: name as string,
    type: type as string,
    instance: instance as string,
    payload: isPlainObject(payload) ? payload : {},
  };
  if (eventId !== undefined) event.eventId = eventId as string;
  if (rev !== undefined) event.rev = rev as number;
  if (attempt !== undefined) event.attempt = attempt as number;
  if (requireClientId) (event as PostedEvent).clientId = clientId as string;
  return { ok: true, value: event };
}

/** Why a required id field is refused, or undefined when it is fine. */
function checkId(field: string, value: JsonValue | undefined): EventRejection | undefined {
  if (value === undefined) return reject('missing_field', `Missing field "${field}".`);
  return isWireId(value) ? undefined : badField(field);
}

function badField(field: string): EventRejection {
  return reject('bad_field', `Field "${field}" must be a non-empty string of at most ${MAX_ID_LENGTH} printable characters.`);
}
