import type { DirectMessage, PublishedBatch } from './broker.js';

/** What travels on the app's Redis pub/sub channel. */
export type BusMessage =
  | { kind: 'batch'; batch: PublishedBatch }
  | { kind: 'direct'; direct: DirectMessage }
  /** A process lost messages (its connection dropped while sending): every stream must reopen and mount again. */
  | { kind: 'gap'; from: string };

interface Wire {
  b?: PublishedBatch;
  d?: DirectMessage;
  g?: string;
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
  const { b, d, g } = wire as Wire;
  if (isBatch(b)) return { kind: 'batch', batch: b };
  if (isDirect(d)) return { kind: 'direct', direct: d };
  if (typeof g === 'string') return { kind: 'gap', from: g };
  return undefined;
}

function isBatch(value: unknown): value is PublishedBatch {
  if (typeof value !== 'object' || value === null) return false;
  const batch = value as Record<string, unknown>;
  return typeof batch.type === 'string' && typeof batch.instance === 'string' && typeof batch.rev === 'number' && typeof batch.batch === 'string';
}

function isDirect(value: unknown): value is DirectMessage {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).clientId === 'string';
}
