import type { TransportPreference } from './transport-choice.js';

/** Page-level settings; they count only before the connection starts. */
export interface ConnectionOptions {
  transport?: TransportPreference;
  /** Where the Nasc routes are mounted, e.g. `/nasc` or `https://api.example.com/nasc`. */
  base?: string | URL;
  /**
   * How long an event may wait on the wire for its ack or error before it is sent again (default 20,000 ms).
   * The server applies each event id once, so a repeat only fetches the answer that was lost.
   */
  ackTimeoutMs?: number;
  /**
   * Whether this tab may share one connection with the browser's other tabs that connect to the same base
   * (default `true`; see docs/transports.md). `false` keeps a connection of its own. Only for a connection
   * whose client id is the tab's own (none given).
   */
  share?: boolean;
}
