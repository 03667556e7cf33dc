import type { NascEngine } from '../engine/engine.js';
import { jsonString } from '../engine/patch-json.js';
import type { TurnBatching } from '../channels/write-batching.js';
import type { OriginPolicy } from '../security/origin-check.js';
import type { SessionCodec } from '../security/session-codec.js';
import { verifySession, type SessionCookieSettings } from '../security/session-cookie.js';
import { decodeEvent } from './decode-event.js';
import { originRefusal } from './origin-refusal.js';
import { answerOf, refusal, type Answer } from './refusal.js';

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
  readonly #tooLarge: Answer;

  constructor(engine: NascEngine, options: EventEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#tooLarge = answerOf(refusal(413, 'too_large', `An event may be at most ${options.maxBodyBytes} bytes.`));
  }

  /**
   * Answers `202 {ok:true, eventId}` once the event has been applied (its patches and ack are already on the
   * client's stream), or a 4xx `{error, code}`. Throws what the store or broker throws (the front door's
   * failure answer turns it into 503 or 500).
   */
  async answer(request: EventPostRequest): Promise<Answer> {
    const { origins, sessions, maxBodyBytes } = this.#options;
    // The origin first, then the session cookie: a missing or forged one means the event cannot be tied to a stream.
    const foreign = originRefusal(request, origins);
    if (foreign) return answerOf(foreign);
    const session = verifySession(sessions.codec, request.header('cookie'), sessions.cookie);
    if (!session) return answerOf(refusal(403, 'no_session', 'No valid session: open the event stream first (it sets the session cookie).'));
    // Requiring JSON also makes a cross-site POST need a CORS preflight: plain forms cannot send it.
    if (!JSON_TYPE.test(request.header('content-type') ?? '')) {
      return answerOf(refusal(415, 'unsupported_media_type', 'Send the event as Content-Type: application/json.'));
    }
    // No Content-Length (a chunked body) reads as NaN.
    const declared = Number(request.header('content-length') ?? Number.NaN);
    if (declared > maxBodyBytes) return this.#tooLarge;
    const text = await request.body(declared, maxBodyBytes);
    if (text === undefined) return this.#tooLarge;
    const decoded = decodeEvent(text, maxBodyBytes, true);
    if (!decoded.ok) return answerOf(decoded.refusal);
    // The posted event is a ClientEvent with its clientId beside it: the engine reads only the fields it
    // knows, so it is passed as it is rather than copied without that one field.
    const event = decoded.value;
    const result = await this.#engine.handle({ session, clientId: event.clientId }, event);
    if (!result.accepted) return answerOf(result);
    const flushing = this.#options.turnBatching?.flushed();
    if (flushing) await flushing;
    // What `JSON.stringify({ ok: true, eventId })` gives, without its generic walk.
    return { status: 202, body: `{"ok":true,"eventId":${jsonString(result.eventId)}}` };
  }
}
