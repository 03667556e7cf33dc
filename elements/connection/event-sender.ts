import { PatchAction, type ClientEvent, type ErrorPatch } from '../../protocol/index.js';
import { markPending } from '../dom/pending-marks.js';
import { backoffDelay } from './backoff.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { ConnectionState, type StreamLink } from './stream-link.js';
import { randomId } from './tab-storage.js';
import { TransportKind, type SendResult } from './transport.js';

/** The result of one event, once acknowledged. */
export type EventResult = { ok: true; eventId: string; rev: number } | ({ ok: false } & ErrorPatch);

/** What the sender tells its owner. */
export interface SenderOwner {
  /** An event went out (dispatched as `nasc-send`). */
  sent(event: ClientEvent): void;
  /** Something the server or the outbox refused: the instance's subscribers and the page hear of it. */
  refused(error: ErrorPatch): void;
  /** The server says another session holds this client id: take a new one and reopen. */
  clientIdTaken(): void;
}

interface Waiter {
  resolve: (result: EventResult) => void;
  origin?: Element;
}

const DEFAULT_ACK_TIMEOUT_MS = 20_000;
/** How long the ack of an event the server accepted (SSE: a 202) may take before the stream is reopened. */
const ACCEPTED_ACK_TIMEOUT_MS = 5_000;

/**
 * Everything that goes up: control events (mounts, unmounts) first, then the events waiting in the outbox,
 * within the transport's window, in order. An event waits in the outbox until its ack or error (through
 * disconnects and reloads); one the server did not take or could not process goes again, same id, after the
 * wait the server names; one whose answer never came goes again after `ackTimeoutMs`.
 */
export class EventSender {
  readonly outbox: Outbox;
  ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS;
  readonly #link: StreamLink;
  readonly #owner: SenderOwner;
  readonly #control: ClientEvent[] = [];
  readonly #waiters = new Map<string, Waiter>();
  #pumping = false;
  /** Set by a retry or a rate limit: nothing is sent before this time (performance.now()). */
  #pausedUntil = 0;
  #pumpTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sends in a row that came back "try again" without a stated wait. */
  #sendFailures = 0;
  /**
   * Event ids: a random prefix per page load and a counter. As unguessable as a random id each (the prefix
   * never leaves this tab and the server), and never reused across reloads.
   */
  readonly #eventIdPrefix = `${randomId()}.`;
  #eventCount = 0;

  constructor(clientId: string, link: StreamLink, owner: SenderOwner) {
    this.outbox = new Outbox(clientId);
    this.#link = link;
    this.#owner = owner;
  }

  nextEventId(): string {
    return this.#eventIdPrefix + (++this.#eventCount).toString(36);
  }

  /** Queues an event; resolves with its outcome. `origin` carries `na-pending` meanwhile. */
  send(event: ClientEvent & { eventId: string }, origin: Element | undefined): Promise<EventResult> {
    return new Promise((resolve) => {
      if (!this.outbox.push(event)) {
        const error: ErrorPatch = {
          action: PatchAction.Error,
          message: 'Too many events waiting to be sent.',
          code: 'outbox_full',
          eventId: event.eventId,
          type: event.type,
          instance: event.instance,
        };
        this.#owner.refused(error);
        resolve({ ok: false, ...error });
        return;
      }
      this.#waiters.set(event.eventId, origin ? { resolve, origin } : { resolve });
      this.pump();
      // After the send (which happens in the call above): the attributes restyle the element, and that work
      // need not delay the event. The answer comes in a later task, so it cannot be settled before this.
      if (origin) markPending(origin, +1);
    });
  }

  /** Queues a control event ahead of the outbox; a newer mount of an instance replaces one not sent yet. */
  control(event: ClientEvent): void {
    const queued = this.#control.findIndex((c) => c.event === event.event && c.type === event.type && c.instance === event.instance);
    if (queued >= 0 && event.event === 'mount') this.#control.splice(queued, 1);
    this.#control.push(event);
    this.pump();
  }

  /** The stream opened anew: nothing is on the wire any more, and the mounts will be queued again. */
  restart(): void {
    this.outbox.resetInFlight();
    this.#control.length = 0;
    this.#pausedUntil = 0;
  }

  /** An event's outcome arrived. */
  settle(eventId: string, result: EventResult): void {
    this.outbox.settle(eventId);
    const waiter = this.#waiters.get(eventId);
    if (!waiter) return;
    this.#waiters.delete(eventId);
    if (waiter.origin) markPending(waiter.origin, -1);
    waiter.resolve(result);
  }

  /** A rate-limited (or failed) event is delayed, never dropped; false when `eventId` is not waiting here. */
  deferRetry(eventId: string, retryAfterMs: number): boolean {
    if (!this.outbox.release(eventId)) return false;
    this.#retryLater({ status: 'retry', retryAfterMs });
    return true;
  }

  /** Sends control events first, then queued events, within the transport's window. */
  async pump(): Promise<void> {
    const transport = this.#link.transport;
    if (this.#pumping || !transport || performance.now() < this.#pausedUntil) return;
    this.#pumping = true;
    try {
      while (transport === this.#link.transport && transport.canSend) {
        const control = this.#control.shift();
        if (control) {
          const sending = transport.send(control);
          this.#owner.sent(control);
          const result = await sending;
          if (result.status === 'retry') {
            this.#control.unshift(control);
            this.#retryLater(result);
            return;
          }
          if (result.status === 'rejected' && result.code === 'client_id_taken') {
            this.#owner.clientIdTaken();
            return;
          }
          if (result.status === 'rejected') this.#owner.refused(rejection(control, result));
          continue;
        }
        const ready = this.outbox.sendable(transport.window);
        if (ready.length === 0) return;
        for (const entry of ready) {
          // A resend says which sending it is: the server counts its clients' retries (and applies it once).
          if (entry.sentAt !== undefined) entry.event.attempt = (entry.event.attempt ?? 1) + 1;
          entry.sent = true;
          entry.sentAt = performance.now();
          this.#watchAcks();
          // Sent first, announced right after (listeners still hear of it in the same task).
          const sending = transport.send(entry.event);
          this.#owner.sent(entry.event);
          const result = await sending;
          if (result.status === 'retry') {
            entry.sent = false;
            this.#retryLater(result);
            return;
          }
          this.#sendFailures = 0;
          if (result.status === 'rejected' && result.code === 'client_id_taken') {
            entry.sent = false;
            this.#owner.clientIdTaken();
            return;
          }
          if (result.status === 'rejected') {
            const error = rejection(entry.event, result);
            this.settle(entry.event.eventId, { ok: false, ...error });
            this.#owner.refused(error);
          } else if (transport.kind === TransportKind.Sse) {
            // 202 means applied: the ack on the stream settles it, and the POST window moves on now.
            this.outbox.markAccepted(entry.event.eventId);
            this.#expectAck(entry);
          }
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * The ack of an accepted event comes on the stream within milliseconds; one that does not means the stream
   * is no longer this client's. Behind a load balancer without stickiness, a tab's session cookie can change
   * under its open stream (tabs opened at once each get one, and the browser keeps the last), and the acks of
   * its POSTs, addressed to the new session, then reach no stream. Reopening binds the stream to the cookie the
   * POSTs carry; the event goes again and is answered from the outcome the server kept.
   */
  #expectAck(entry: OutboxEntry): void {
    const sentAt = entry.sentAt;
    setTimeout(() => {
      if (!entry.accepted || entry.sentAt !== sentAt || !this.outbox.holds(entry) || this.#link.state !== ConnectionState.Live) return;
      this.#link.fail('no ack for an accepted event');
    }, ACCEPTED_ACK_TIMEOUT_MS);
  }

  /** While events are on the wire, checks now and then that none waits for an answer that was lost. */
  #watchAcks(): void {
    this.#ackTimer ??= setTimeout(() => {
      this.#ackTimer = undefined;
      const state = this.#link.state;
      if (state === ConnectionState.Closed) return;
      if (state === ConnectionState.Live && this.outbox.expire(performance.now() - this.ackTimeoutMs) > 0) this.pump();
      if (this.outbox.inFlight) this.#watchAcks();
    }, this.ackTimeoutMs / 2);
  }

  #retryLater(result: Extract<SendResult, { status: 'retry' }>): void {
    // Without a stated wait, each failure in a row waits longer (a server answering 5xx is not hammered).
    const delay = Math.ceil(result.retryAfterMs ?? backoffDelay(this.#link.attempt + this.#sendFailures++, 250, 5_000));
    // Several refusals arrive together (a pipelined burst): the longest wait stands, not the last one told.
    if (performance.now() + delay <= this.#pausedUntil) return;
    this.#pausedUntil = performance.now() + delay;
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = setTimeout(() => {
      // The one timer left is the longest wait's. A timer may fire a fraction of a millisecond before
      // `performance.now()` reaches the mark, and a pump that found itself still paused would stop for good.
      this.#pausedUntil = 0;
      this.pump();
    }, delay);
  }
}

function rejection(event: ClientEvent, result: { code: string; message: string }): ErrorPatch {
  const error: ErrorPatch = { action: PatchAction.Error, message: result.message, code: result.code, type: event.type, instance: event.instance };
  if (event.eventId) error.eventId = event.eventId;
  return error;
}
