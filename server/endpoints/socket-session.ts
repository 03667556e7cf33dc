import { PatchAction, type ErrorPatch } from '../../protocol/index.js';
import type { Connection } from '../engine/connection.js';
import { decodeEvent } from './decode-event.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import type { KeepAliveTicker } from '../channels/keep-alive-ticker.js';
import { isBackendUnavailable } from '../redis/redis-errors.js';
import { TokenBucket } from '../util/token-bucket.js';
import { POLICY_VIOLATION, TRY_AGAIN_LATER, WsChannel, type WebSocketPeer } from '../channels/ws-channel.js';
import type { CorkableSocket } from '../channels/write-coalescing.js';

/** What every socket of one WebSocket endpoint shares. */
export interface WsSessionOptions {
  /** Largest event accepted in one text frame. */
  maxBodyBytes: number;
  /** Bytes that may wait for a slow client before it is disconnected. */
  maxBufferedBytes: number;
  /** The endpoint's one keepalive timer. */
  ticker: KeepAliveTicker;
  /**
   * Refused frames a socket may send (malformed, binary, or events the engine refuses): `burst` at once and
   * `rate` a second after that; one more and the socket is cut with 1008.
   */
  refusals: { rate: number; burst: number };
}

/** How long a client waits before sending again an event the server failed to process (not refused). */
const RETRY_AFTER_FAILURE_MS = 1_000;

function errorFrame(patch: Omit<ErrorPatch, 'action'>): string {
  return JSON.stringify([{ action: PatchAction.Error, ...patch }]);
}

/**
 * One open WebSocket of one client, whichever way it was upgraded (the Hono route or `attach`): opens the
 * client's stream on the engine, takes every text frame as one event, answers a bad frame with an `error`
 * patch (the socket stays open), and unregisters the stream when the socket closes. Every answer goes
 * through the socket's {@link WsChannel}, under its bound on bytes waiting for the client; every refused
 * frame spends from the socket's refusal budget, so a client that keeps sending garbage is cut before it
 * costs more than a few frames' work. It holds only what the socket's life needs: nothing of the upgrade
 * request.
 */
export class WsSession {
  readonly #engine: NascEngine;
  readonly #caller: Caller;
  readonly #maxBodyBytes: number;
  readonly #channel: WsChannel;
  readonly #connection: Connection;
  readonly #refusals: TokenBucket;

  /**
   * Opens the stream; the engine sends the opening `[]` at once. `transport` is the upgrade's TCP socket, so
   * the frames of one loop turn leave in one write.
   */
  constructor(
    engine: NascEngine,
    caller: Caller,
    socket: WebSocketPeer,
    transport: CorkableSocket | undefined,
    options: WsSessionOptions,
  ) {
    this.#engine = engine;
    this.#caller = caller;
    this.#maxBodyBytes = options.maxBodyBytes;
    this.#refusals = new TokenBucket(options.refusals);
    this.#channel = new WsChannel(socket, { maxBufferedBytes: options.maxBufferedBytes, ticker: options.ticker, transport });
    this.#connection = engine.open(caller, this.#channel);
  }

  /** One text frame: one event. */
  receiveText(text: string): void {
    if (!this.#channel.open) return;
    const decoded = decodeEvent(text, this.#maxBodyBytes, false);
    if (!decoded.ok) {
      this.#refuse({ message: decoded.message, code: decoded.code });
      return;
    }
    const event = decoded.value;
    this.#engine.handle(this.#caller, event).then(
      (result) => {
        if (result.ok) return;
        const { message, code, eventId, retryAfterMs } = result;
        this.#refuse({
          message,
          code,
          type: event.type,
          instance: event.instance,
          ...(eventId ? { eventId } : {}),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
      },
      (error: unknown) => {
        // Nothing was applied for sure (or, if it was, a retry is answered from the remembered outcome): the
        // event's id and a wait tell the client to send it again, as it does after a 5xx over HTTP. The
        // fault is the server's, so it costs the client nothing from its refusal budget.
        const retry = { ...(event.eventId ? { eventId: event.eventId } : {}), retryAfterMs: RETRY_AFTER_FAILURE_MS };
        const where = { type: event.type, instance: event.instance };
        if (isBackendUnavailable(error)) {
          // Closing also makes the client reconnect (with backoff) once the store is back.
          this.#channel.send(errorFrame({ message: 'The server cannot reach its data store: try again shortly.', code: 'backend_unavailable', ...where, ...retry }));
          this.#channel.cut(TRY_AGAIN_LATER, 'backend unavailable');
          return;
        }
        this.#engine.logger.error('event failed', { clientId: this.#caller.clientId, ...where, error: String(error) });
        this.#channel.send(errorFrame({ message: 'The server could not process the event.', code: 'internal', ...where, ...retry }));
      },
    );
  }

  /** A binary frame: the protocol is JSON text, so it is refused and the socket stays open. */
  refuseBinary(): void {
    if (!this.#channel.open) return;
    this.#refuse({ message: 'Send events as JSON text frames, not binary.', code: 'binary_frame' });
  }

  /** The socket closed: stop its pings and unregister its stream. */
  closed(): void {
    this.#channel.stop();
    this.#engine.close(this.#connection);
  }

  /** Answers a refused frame, or cuts the socket once its refusal budget is spent. */
  #refuse(patch: Omit<ErrorPatch, 'action'>): void {
    if (this.#refusals.take() > 0) {
      this.#engine.logger.warn('WebSocket cut: too many refused frames', { clientId: this.#caller.clientId, code: patch.code });
      this.#channel.cut(POLICY_VIOLATION, 'too many refused frames');
      return;
    }
    this.#channel.send(errorFrame(patch));
  }
}
