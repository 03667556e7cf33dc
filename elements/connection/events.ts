import type { ClientEvent, ErrorPatch, Patch } from '../../protocol/index.js';
import type { TransportKind } from './transport.js';

/**
 * The page connection's stream delivered its first message: it is live. `shared`: the stream is another
 * tab's (the tabs of a browser share one connection to a server), not this tab's own.
 */
export class NascConnectedEvent extends Event {
  static readonly eventName = 'nasc-connected';
  readonly transport: TransportKind;
  readonly shared: boolean;
  constructor(transport: TransportKind, shared = false) {
    super(NascConnectedEvent.eventName);
    this.transport = transport;
    this.shared = shared;
  }
}

/**
 * The stream dropped; the connection tries again after `retryInMs` (attempt `attempt`). `shared`: the stream
 * was another tab's, which retries itself (or another tab takes it over).
 */
export class NascDisconnectedEvent extends Event {
  static readonly eventName = 'nasc-disconnected';
  readonly transport: TransportKind;
  readonly reason: string;
  readonly attempt: number;
  readonly retryInMs: number;
  readonly shared: boolean;
  constructor(transport: TransportKind, reason: string, attempt: number, retryInMs: number, shared = false) {
    super(NascDisconnectedEvent.eventName);
    this.transport = transport;
    this.reason = reason;
    this.attempt = attempt;
    this.retryInMs = retryInMs;
    this.shared = shared;
  }
}

/** One message arrived: the patch array as received, before it was applied. */
export class NascPatchEvent extends Event {
  static readonly eventName = 'nasc-patch';
  readonly patches: readonly Patch[];
  constructor(patches: readonly Patch[]) {
    super(NascPatchEvent.eventName);
    this.patches = patches;
  }
}

/**
 * An event went out (also every mount, resync and retry): what a traffic panel lists. Dispatched right after
 * the event was handed to the transport, in the same task: changing `event` changes nothing that was sent.
 */
export class NascSendEvent extends Event {
  static readonly eventName = 'nasc-send';
  readonly event: ClientEvent;
  constructor(event: ClientEvent) {
    super(NascSendEvent.eventName);
    this.event = event;
  }
}

/**
 * The server refused or failed something. Dispatched on the connection, and on each `<na-scope>` of the
 * instance (bubbling, composed) so page code can show it.
 */
export class NascErrorEvent extends Event {
  static readonly eventName = 'nasc-error';
  readonly error: ErrorPatch;
  constructor(error: ErrorPatch, init: EventInit = {}) {
    super(NascErrorEvent.eventName, init);
    this.error = error;
  }
}

/** Events a {@link PageConnection} dispatches. */
export interface PageConnectionEventMap {
  'nasc-connected': NascConnectedEvent;
  'nasc-disconnected': NascDisconnectedEvent;
  'nasc-patch': NascPatchEvent;
  'nasc-send': NascSendEvent;
  'nasc-error': NascErrorEvent;
}

declare global {
  interface HTMLElementEventMap {
    'nasc-error': NascErrorEvent;
  }
}
