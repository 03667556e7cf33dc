import type { ClientEvent } from '../../protocol/index.js';

/** The two transports. */
export const TransportKind = { Sse: 'sse', Ws: 'ws' } as const;
export type TransportKind = (typeof TransportKind)[keyof typeof TransportKind];

/** How a transport reports what happens on its stream. */
export interface TransportListener {
  /** The stream delivered its first message: it really works end to end. */
  onOpen(): void;
  /** One message: a JSON patch array as text. */
  onMessage(text: string): void;
  /** The stream ended or failed; the page connection decides when to reopen. */
  onClose(reason: string): void;
}

/** What became of one send. */
export type SendResult =
  /** Written (WS) or accepted (SSE POST, 202); the outcome comes as an ack or error patch. */
  | { status: 'sent' }
  /** Refused for good (4xx): the JSON error body. Never retried. */
  | { status: 'rejected'; code: string; message: string }
  /** Not delivered (offline, 5xx, 429): try again after `retryAfterMs` if the server said. */
  | { status: 'retry'; retryAfterMs?: number };

/** A page-level transport: one stream in, events out. */
export interface Transport {
  readonly kind: TransportKind;
  /** Opens (or reopens) the stream; the page connection mounts its instances once it is live. */
  open(): void;
  /** Closes the stream for good or before a reopen. */
  close(): void;
  send(event: ClientEvent): Promise<SendResult>;
  /** Whether events may be sent now. */
  readonly canSend: boolean;
  /** How many events may be in flight at once: 1 keeps POSTs in order, a socket is ordered by itself. */
  readonly window: number;
}

/** Where a transport talks to: the server's base URL (ending in `/`) and this tab's client id. */
export interface TransportEndpoint {
  base: URL;
  clientId: string;
}
