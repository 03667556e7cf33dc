import type { AckPatch, BindUpdatePatch, ErrorPatch, Patch, SchemaPatch } from '../../protocol/index.js';

/** An `error` patch as it travels: the protocol type plus `field`, which the engine adds for a `NascError`. */
export type WireErrorPatch = ErrorPatch & { field?: string };

/** One message from the server (an SSE `data:` or a WS text frame): the exact text and its patches. */
export interface ServerMessage {
  /** The JSON text exactly as received, for byte-for-byte comparisons between transports. */
  text: string;
  patches: Patch[];
  /** The SSE `id:` of the message; absent on WebSocket. */
  id?: string;
}

/** Parses a message's text; throws when it is not a JSON array, which no transport may ever send. */
export function parseServerMessage(text: string, id?: string): ServerMessage {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new TypeError(`a server message must be a JSON array of patches, got: ${text}`);
  const message: ServerMessage = { text, patches: value as Patch[] };
  if (id !== undefined) message.id = id;
  return message;
}

/** The `ack` patch for `eventId` in a message, if any. */
export function findAck(message: ServerMessage, eventId: string): AckPatch | undefined {
  return message.patches.find((patch): patch is AckPatch => patch.action === 'ack' && patch.eventId === eventId);
}

/** The `error` patches of a message. */
export function errorsOf(message: ServerMessage): WireErrorPatch[] {
  return message.patches.filter((patch): patch is WireErrorPatch => patch.action === 'error');
}

/** The `bindUpdate` patches of a message. */
export function bindUpdatesOf(message: ServerMessage): BindUpdatePatch[] {
  return message.patches.filter((patch): patch is BindUpdatePatch => patch.action === 'bindUpdate');
}

/** The `schema` patches of a message. */
export function schemasOf(message: ServerMessage): SchemaPatch[] {
  return message.patches.filter((patch): patch is SchemaPatch => patch.action === 'schema');
}

/** Matches a message carrying the ack or the error answering `eventId`: the end of that event's story. */
export function answers(eventId: string): (message: ServerMessage) => boolean {
  return (message) =>
    message.patches.some((patch) => (patch.action === 'ack' || patch.action === 'error') && patch.eventId === eventId);
}

/** Matches a message holding the ack of `eventId`. */
export function acks(eventId: string): (message: ServerMessage) => boolean {
  return (message) => findAck(message, eventId) !== undefined;
}

/** Matches the snapshot batch answering a mount of `type`/`instance` (schemas and/or snapshot bindUpdates). */
export function isSnapshotOf(type: string, instance: string): (message: ServerMessage) => boolean {
  return (message) =>
    message.patches.length > 0 &&
    message.patches.some((patch) => patch.action === 'bindUpdate' && patch.snapshot === true) &&
    message.patches.every(
      (patch) =>
        (patch.action === 'schema' && patch.instance === instance) ||
        (patch.action === 'bindUpdate' && patch.type === type && patch.instance === instance && patch.snapshot === true),
    );
}

/** Matches a message holding an `error` patch (with `code`, when given). */
export function hasError(code?: string): (message: ServerMessage) => boolean {
  return (message) => errorsOf(message).some((patch) => code === undefined || patch.code === code);
}

/** The state a client rebuilds from a message's bindUpdates: prop → value. */
export function stateOf(message: ServerMessage): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const patch of bindUpdatesOf(message)) state[patch.prop] = patch.value;
  return state;
}
