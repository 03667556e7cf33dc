import type { AckPatch, BindUpdatePatch, ErrorPatch, Patch, SchemaPatch, SnapshotPatch } from '../protocol/index.js';

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
export function errorsOf(message: ServerMessage): ErrorPatch[] {
  return message.patches.filter((patch): patch is ErrorPatch => patch.action === 'error');
}

/** The `bindUpdate` patches of a message. */
export function bindUpdatesOf(message: ServerMessage): BindUpdatePatch[] {
  return message.patches.filter((patch): patch is BindUpdatePatch => patch.action === 'bindUpdate');
}

/** The `schema` patches of a message. */
export function schemasOf(message: ServerMessage): SchemaPatch[] {
  return message.patches.filter((patch): patch is SchemaPatch => patch.action === 'schema');
}

/** The ack or the error answering `eventId` in one message, if it is there. */
export function answerTo(message: ServerMessage, eventId: string): AckPatch | ErrorPatch | undefined {
  for (const patch of message.patches) {
    if ((patch.action === 'ack' || patch.action === 'error') && patch.eventId === eventId) return patch;
  }
  return undefined;
}

/** Matches a message carrying the ack or the error answering `eventId`: the end of that event's story. */
export function answers(eventId: string): (message: ServerMessage) => boolean {
  return (message) => answerTo(message, eventId) !== undefined;
}

/** Matches a message holding the ack of `eventId`. */
export function acks(eventId: string): (message: ServerMessage) => boolean {
  return (message) => findAck(message, eventId) !== undefined;
}

/**
 * Matches the snapshot batch answering a mount (or a resume too old for the log) of `type`/`instance`: schemas,
 * the `snapshot` marker, and the instance's bindUpdates flagged `snapshot`, nothing else.
 */
export function isSnapshotOf(type: string, instance: string): (message: ServerMessage) => boolean {
  return (message) =>
    message.patches.some((patch) => patch.action === 'snapshot' && patch.type === type && patch.instance === instance) &&
    message.patches.every(
      (patch) =>
        (patch.action === 'schema' && patch.instance === instance) ||
        (patch.action === 'snapshot' && patch.type === type && patch.instance === instance) ||
        (patch.action === 'bindUpdate' && patch.type === type && patch.instance === instance && patch.snapshot === true),
    );
}

/** The `snapshot` marker of a message, if any. */
export function snapshotMarkerOf(message: ServerMessage): SnapshotPatch | undefined {
  return message.patches.find((patch): patch is SnapshotPatch => patch.action === 'snapshot');
}
