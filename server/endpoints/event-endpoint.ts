import type { ClientEvent } from '../../protocol/index.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import { errorAnswer, type Observer } from '../observe/observer.js';
import { isBackendUnavailable } from '../store/backend-unavailable.js';
import { jsonString } from '../engine/patch-json.js';
import type { TurnBatching } from '../channels/write-batching.js';
import type { OriginPolicy } from '../security/origin-check.js';
import type { SessionCodec } from '../security/session-codec.js';
import { verifySession, type SessionCookieSettings } from '../security/session-cookie.js';
import { decodeEvent } from './decode-event.js';
import { originRefusal } from './origin-refusal.js';
import { answerOf, refusal, type Answer, type Refusal } from './refusal.js';

/** Options of the event endpoint. */
export interface EventEndpointOptions {
  maxBodyBytes: number;
  /** Which pages may post events: checked first, as for a WebSocket upgrade. */
  origins: OriginPolicy;
  /** The session cookie every event must carry (never issued here: the stream issues it). */
  sessions: { codec: SessionCodec; cookie: SessionCookieSettings };
  /** The SSE streams': the 202 waits until the frames it holds (this event's among them) have left. */
  turnBatching?: TurnBatching;
}

/** One event POST as the endpoint sees it, whichever way it came in (a Hono route, or straight from Node). */
export interface EventPostRequest {
  /** A request header by its lowercase name (of a repeated one, the first). */
  header(lowerName: string): string | undefined;
  /** The origin the page sees this server at; asked only when the request has an `Origin` to compare. */
  ownOrigin(): string;
  /**
   * The body as UTF-8 text, or `undefined` as soon as it passes `maxBytes`. `declaredBytes` is the
   * `Content-Length` (already checked against `maxBytes`), `NaN` for a chunked body.
   */
  body(declaredBytes: number, maxBytes: number): Promise<string | undefined>;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * `POST <mount>/event`: checks one posted event (origin, session cookie, media type, size, JSON, shape) and
 * applies it. The Hono route and `nasc.attach` both answer through this, so the two ways in make the same
 * checks in the same order and give the same answers, byte for byte.
 */
export class EventEndpoint {
  readonly #engine: NascEngine;
  readonly #options: EventEndpointOptions;
  readonly #observer: Observer;
  readonly #tooLarge: Refusal;
  readonly #tooLargeAnswer: Answer;

  constructor(engine: NascEngine, options: EventEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#observer = engine.observer;
    this.#tooLarge = refusal(413, 'too_large', `An event may be at most ${options.maxBodyBytes} bytes.`);
    this.#tooLargeAnswer = answerOf(this.#tooLarge);
  }

  /**
   * Answers `202 {ok:true, eventId}` once the event has been applied (its patches and ack are already on the
   * client's stream), or a 4xx `{error, code}`. Throws what the store or broker throws (the front door's
   * failure answer turns it into 503 or 500).
   */
  async answer(request: EventPostRequest): Promise<Answer> {
    const startedAt = performance.now();
    const { origins, sessions, maxBodyBytes } = this.#options;
    // The origin first, then the session cookie: a missing or forged one means the event cannot be tied to a stream.
    const foreign = originRefusal(request, origins);
    if (foreign) return this.#refused(foreign, startedAt);
    const session = verifySession(sessions.codec, request.header('cookie'), sessions.cookie);
    if (!session) return this.#refused(refusal(403, 'no_session', 'No valid session: open the event stream first (it sets the session cookie).'), startedAt);
    // Requiring JSON also makes a cross-site POST need a CORS preflight: plain forms cannot send it.
    if (!JSON_TYPE.test(request.header('content-type') ?? '')) {
      return this.#refused(refusal(415, 'unsupported_media_type', 'Send the event as Content-Type: application/json.'), startedAt);
    }
    // No Content-Length (a chunked body) reads as NaN.
    const declared = Number(request.header('content-length') ?? Number.NaN);
    if (declared > maxBodyBytes) return this.#refused(this.#tooLarge, startedAt, this.#tooLargeAnswer);
    const text = await request.body(declared, maxBodyBytes);
    if (text === undefined) return this.#refused(this.#tooLarge, startedAt, this.#tooLargeAnswer);
    const decoded = decodeEvent(text, maxBodyBytes, true);
    if (!decoded.ok) return this.#refused(decoded.refusal, startedAt);
    // The posted event is a ClientEvent with its clientId beside it: the engine reads only the fields it
    // knows, so it is passed as it is rather than copied without that one field.
    const event = decoded.value;
    const caller: Caller = { session, clientId: event.clientId };
    const observer = this.#observer;
    const trace = observer.startEvent('sse', event);
    let result;
    try {
      result = await this.#engine.handle(caller, event);
    } catch (error) {
      observer.eventDone('sse', caller, event, errorAnswer(isBackendUnavailable(error)), startedAt, trace);
      throw error;
    }
    if (!result.accepted) return this.#refused(result, startedAt, undefined, caller, event, trace);
    const flushing = this.#options.turnBatching?.flushed();
    if (flushing) await flushing;
    observer.eventDone('sse', caller, event, result, startedAt, trace);
    // What `JSON.stringify({ ok: true, eventId })` gives, without its generic walk.
    return { status: 202, body: `{"ok":true,"eventId":${jsonString(result.eventId)}}` };
  }

  /** Reports a refused event (with what is known of it) and answers it. */
  #refused(
    refused: Refusal,
    startedAt: number,
    answer: Answer = answerOf(refused),
    caller?: Caller,
    event?: ClientEvent,
    trace?: ReturnType<Observer['startEvent']>,
  ): Answer {
    this.#observer.eventDone('sse', caller, event, refused, startedAt, trace);
    return answer;
  }
}
