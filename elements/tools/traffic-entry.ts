import type { ClientEvent, ErrorPatch, Patch } from '../../protocol/index.js';
import type { TransportKind } from '../connection/transport.js';

/** An instance, as traffic names it: what the `type` and `instance` filters of `<na-traffic>` compare. */
export interface InstanceRef {
  readonly type: string;
  readonly instance: string;
}

/** What became of an event: the server's answer, and how long after the send it came. */
export type EventOutcome =
  | { readonly kind: 'ack'; readonly rev: number; readonly afterMs: number }
  | { readonly kind: 'error'; readonly code: string | undefined; readonly message: string; readonly afterMs: number }
  /** Not taken or not processed (a rate limit, a server fault): the connection sends it again after the wait. */
  | { readonly kind: 'retry'; readonly code: string | undefined; readonly retryAfterMs: number; readonly afterMs: number };

interface EntryBase {
  /** Unique in the log and increasing: the newest entry has the highest. */
  readonly id: number;
  /** When, in ms since the page's time origin (`performance.now()`). */
  readonly at: number;
  /** The transport in use at that moment; undefined before the connection started. */
  readonly transport: TransportKind | undefined;
  /** The instances the entry is about; none for the stream's own entries. */
  readonly instances: readonly InstanceRef[];
}

/** An event the page sent (`nasc-send`): mounts, unmounts and resends included. */
export interface SentEntry extends EntryBase {
  readonly kind: 'sent';
  readonly event: ClientEvent;
  /** The same event (same `eventId`) went out before: a resend after a reconnect, a lost answer or a wait. */
  readonly resend: boolean;
  /** Its answer once it came; undefined while it waits, and for events nothing answers (unmounts). */
  readonly outcome: EventOutcome | undefined;
}

/** The answer to one of this page's events, as a received message carried it. */
export interface Answer {
  readonly eventId: string;
  /** The event's name, when the log still knew the send. */
  readonly event: string | undefined;
  readonly outcome: EventOutcome;
}

/** One message the stream delivered (`nasc-patch`): its patches as received. */
export interface ReceivedEntry extends EntryBase {
  readonly kind: 'received';
  readonly patches: readonly Patch[];
  readonly answers: readonly Answer[];
}

/** An error no message carried (`nasc-error`): an event POST refused, a full outbox. */
export interface ErrorEntry extends EntryBase {
  readonly kind: 'error';
  readonly error: ErrorPatch;
  readonly answer: Answer | undefined;
}

/**
 * The stream itself: `live` (it delivered its first message), `down` (it dropped; the next try is in
 * `retryInMs`), `fallback` (it never opened over `from`, so the connection tries the other transport), or
 * `attached` (the panel started listening to a connection that was already live).
 */
export interface StreamEntry extends EntryBase {
  readonly kind: 'stream';
  readonly state: 'live' | 'down' | 'fallback' | 'attached';
  readonly from?: TransportKind;
  readonly reason?: string;
  readonly attempt?: number;
  readonly retryInMs?: number;
}

/** One row of `<na-traffic>`. */
export type TrafficEntry = SentEntry | ReceivedEntry | ErrorEntry | StreamEntry;

/** Which rows the panel shows: empty or absent fields match everything. */
export interface TrafficFilter {
  readonly type?: string | undefined;
  readonly instance?: string | undefined;
}

/**
 * Whether an entry passes the filter. The stream's own entries always do: a dropped stream or a fallback
 * concerns every instance.
 */
export function matchesFilter(entry: TrafficEntry, { type, instance }: TrafficFilter): boolean {
  if ((!type && !instance) || entry.kind === 'stream') return true;
  return entry.instances.some((ref) => (!type || ref.type === type) && (!instance || ref.instance === instance));
}
