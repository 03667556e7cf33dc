import { PatchAction, type ClientEvent, type ErrorPatch } from '../../protocol/index.js';
import type { Connection } from '../engine/connection.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import type { KeepAliveTicker } from '../channels/keep-alive-ticker.js';
import { POLICY_VIOLATION, TRY_AGAIN_LATER, WsChannel, type WebSocketPeer } from '../channels/ws-channel.js';
import type { CorkableSocket } from '../channels/write-batching.js';
import { errorAnswer, type Observer } from '../observe/observer.js';
import { isBackendUnavailable } from '../store/backend-unavailable.js';
import { TokenBucket } from '../util/token-bucket.js';
import { decodeEvent } from './decode-event.js';
import { failureAnswer } from './failure-answer.js';
import { refusal, type Refusal } from './refusal.js';

/** What every socket of one WebSocket endpoint shares. */
export interface SocketSessionOptions {
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

/** A refusal as the one `error` patch of a WebSocket message, naming the event's instance when there is one. */
export function errorFrame(refused: Refusal, event?: Pick<ClientEvent, 'type' | 'instance'>): string {
  const patch: ErrorPatch = { action: PatchAction.Error, message: refused.message, code: refused.code };
  if (event) {
    patch.type = event.type;
    patch.instance = event.instance;
  }
  if (refused.eventId !== undefined) patch.eventId = refused.eventId;
  if (refused.retryAfterMs !== undefined) patch.retryAfterMs = refused.retryAfterMs;
  return JSON.stringify([patch]);
}

/** A frame as `ws` hands it over (its `RawData`). */
type FrameData = Buffer | ArrayBuffer | Buffer[];

/** The part of a `ws` socket a session listens to: its frames and its close. */
export interface FrameSource {
  on(event: 'message', listener: (data: FrameData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

function textOf(data: FrameData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/**
 * Hands a `ws` socket's frames and its close to its session, straight from `ws`'s own events. Both front
 * doors wire a socket with this, so a frame costs the same whichever took the upgrade: Hono's `onMessage`
 * would build a `MessageEvent` around a copy of every frame first.
 */
export function listenToSocket(ws: FrameSource, session: SocketSession): void {
  ws.on('message', (data: FrameData, isBinary: boolean) => (isBinary ? session.refuseBinary() : session.receiveText(textOf(data))));
  ws.on('close', () => session.closed());
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
export class SocketSession {
  readonly #engine: NascEngine;
  readonly #caller: Caller;
  readonly #maxBodyBytes: number;
  readonly #channel: WsChannel;
  readonly #connection: Connection;
  readonly #refusals: TokenBucket;
  readonly #observer: Observer;

  /**
   * Opens the stream; the engine sends the opening `[]` at once. `transport` is the upgrade's TCP socket, so
   * the frames of one loop turn leave in one write.
   */
  constructor(engine: NascEngine, caller: Caller, socket: WebSocketPeer, transport: CorkableSocket | undefined, options: SocketSessionOptions) {
    this.#engine = engine;
    this.#caller = caller;
    this.#maxBodyBytes = options.maxBodyBytes;
    this.#refusals = new TokenBucket(options.refusals);
    this.#observer = engine.observer;
    this.#channel = new WsChannel(socket, { maxBufferedBytes: options.maxBufferedBytes, ticker: options.ticker, transport, observer: this.#observer });
    this.#observer.streamOpened('ws', caller);
    this.#connection = engine.open(caller, this.#channel);
  }

  /** One text frame: one event. */
  receiveText(text: string): void {
    if (!this.#channel.open) return;
    const startedAt = performance.now();
    const observer = this.#observer;
    const decoded = decodeEvent(text, this.#maxBodyBytes, false);
    if (!decoded.ok) {
      observer.eventDone('ws', this.#caller, undefined, decoded.refusal, startedAt, undefined);
      this.#refuse(decoded.refusal);
      return;
    }
    const event = decoded.value;
    const trace = observer.startEvent('ws', event);
    this.#engine.handle(this.#caller, event).then(
      (result) => {
        observer.eventDone('ws', this.#caller, event, result, startedAt, trace);
        if (!result.accepted) this.#refuse(result, event);
      },
      (error: unknown) => {
        observer.eventDone('ws', this.#caller, event, errorAnswer(isBackendUnavailable(error)), startedAt, trace);
        // Nothing was applied for sure (or, if it was, a retry is answered from the remembered outcome): the
        // event's id and a wait tell the client to send it again, as it does after a 5xx over HTTP. The
        // fault is the server's, so it costs the client nothing from its refusal budget.
        const failure = failureAnswer(error, this.#engine.logger, 'WebSocket event');
        const retry = { ...failure, ...(event.eventId ? { eventId: event.eventId } : {}), retryAfterMs: failure.retryAfterMs ?? RETRY_AFTER_FAILURE_MS };
        this.#channel.send(errorFrame(retry, event));
        // Closing also makes the client reconnect (with backoff) once the store is back.
        if (isBackendUnavailable(error)) this.#channel.cut(TRY_AGAIN_LATER, 'backend unavailable');
      },
    );
  }

  /** A binary frame: the protocol is JSON text, so it is refused and the socket stays open. */
  refuseBinary(): void {
    if (!this.#channel.open) return;
    const refused = refusal(400, 'binary_frame', 'Send events as JSON text frames, not binary.');
    this.#observer.eventDone('ws', this.#caller, undefined, refused, performance.now(), undefined);
    this.#refuse(refused);
  }

  /** The socket closed: stop its pings and unregister its stream. */
  closed(): void {
    this.#channel.stop();
    this.#engine.close(this.#connection);
    this.#observer.streamClosed('ws', this.#caller, this.#channel.closeReason ?? 'client closed');
  }

  /** Answers a refused frame, or cuts the socket once its refusal budget is spent. */
  #refuse(refused: Refusal, event?: ClientEvent): void {
    if (this.#refusals.take() > 0) {
      this.#engine.logger.warn('WebSocket cut: too many refused frames', { clientId: this.#caller.clientId, session: this.#observer.tag(this.#caller.session), code: refused.code });
      this.#observer.cut('ws', 'refused_frames');
      this.#channel.cut(POLICY_VIOLATION, 'too many refused frames');
      return;
    }
    this.#channel.send(errorFrame(refused, event));
  }
}
