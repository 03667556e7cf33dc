import type { DirectMessage, PublishedBatch } from '../broker/broker.js';
import type { InstanceRef } from '../store/store.js';

/** What travels on the app's Redis pub/sub channel. */
export type BusMessage =
  | { kind: 'batch'; batch: PublishedBatch }
  | { kind: 'direct'; direct: DirectMessage }
  /** A process lost messages (its connection dropped while sending): every stream must reopen and mount again. */
  | { kind: 'gap'; from: string }
  /** An instance was created (published by the commit that created it): batches of an earlier one are void. */
  | { kind: 'created'; instance: InstanceRef }
  /** An instance was deleted: its streams are told and unsubscribed. */
  | { kind: 'deleted'; instance: InstanceRef };

interface Wire {
  b?: PublishedBatch;
  d?: DirectMessage;
  g?: string;
  n?: InstanceRef;
  x?: InstanceRef;
}

/** A published batch as sent on the channel (by the broker, or by the commit script itself). */
export function encodeBatch(batch: PublishedBatch): string {
  return JSON.stringify({ b: batch } satisfies Wire);
}

/** A direct message as sent on the channel. */
export function encodeDirect(direct: DirectMessage): string {
  return JSON.stringify({ d: direct } satisfies Wire);
}

/** A gap notice from process `from`. */
export function encodeGap(from: string): string {
  return JSON.stringify({ g: from } satisfies Wire);
}

/** The notice that an instance was created, as the commit script publishes it. */
export function encodeCreated(instance: InstanceRef): string {
  return JSON.stringify({ n: instance } satisfies Wire);
}

/** The notice that an instance was deleted. */
export function encodeDeleted(instance: InstanceRef): string {
  return JSON.stringify({ x: instance } satisfies Wire);
}

/**
 * Reads a channel message, or `undefined` for anything malformed: only this app's processes publish on its
 * channel, so that would be a bug or another app sharing the prefix, and it is dropped rather than delivered.
 */
export function decodeBusMessage(text: string): BusMessage | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null) return undefined;
  const { b, d, g, n, x } = wire as Wire;
  if (isBatch(b)) return { kind: 'batch', batch: b };
  if (isDirect(d)) return { kind: 'direct', direct: d };
  if (typeof g === 'string') return { kind: 'gap', from: g };
  if (isInstanceRef(n)) return { kind: 'created', instance: { type: n.type, instance: n.instance } };
  if (isInstanceRef(x)) return { kind: 'deleted', instance: { type: x.type, instance: x.instance } };
  return undefined;
}

function isBatch(value: unknown): value is PublishedBatch {
  if (typeof value !== 'object' || value === null) return false;
  const batch = value as Record<string, unknown>;
  return typeof batch.type === 'string' && typeof batch.instance === 'string' && typeof batch.rev === 'number' && typeof batch.batch === 'string';
}

function isDirect(value: unknown): value is DirectMessage {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).stream === 'string';
}

function isInstanceRef(value: unknown): value is InstanceRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Record<string, unknown>;
  return typeof ref.type === 'string' && typeof ref.instance === 'string';
}
