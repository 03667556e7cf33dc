import type { ClientEvent } from '../../protocol/index.js';
import type { Caller, NascEngine } from '../engine/engine.js';
import { errorAnswer, type Observer } from '../observe/observer.js';
import { isBackendUnavailable } from '../store/backend-unavailable.js';
import { jsonString } from '../engine/patch-json.js';
import type { TurnBatching } from '../channels/write-batching.js';
import { decodeEvent } from './decode-event.js';
import { checkPost, jsonPost, type PostKind, type PostPolicy, type PostRequest } from './post-checks.js';
import { answerOf, type Answer, type Refusal } from './refusal.js';

/** Options of the event endpoint: the checks every post meets (origins, session cookie, size), and more. */
export interface EventEndpointOptions extends PostPolicy {
  /** The SSE streams': the 202 waits until the frames it holds (this event's among them) have left. */
  turnBatching?: TurnBatching;
}

/** One event POST as the endpoint sees it, whichever way it came in (a Hono route, or straight from Node). */
export type EventPostRequest = PostRequest;

/**
 * `POST <mount>/event`: checks one posted event (the checks of every post, `checkPost`: origin, session
 * cookie, media type, size; then JSON and shape) and applies it. The Hono route and `nasc.attach` both
 * answer through this, so the two ways in make the same checks in the same order and give the same answers,
 * byte for byte.
 */
export class EventEndpoint {
  readonly #engine: NascEngine;
  readonly #options: EventEndpointOptions;
  readonly #observer: Observer;
  readonly #kind: PostKind;
  readonly #tooLargeAnswer: Answer;

  constructor(engine: NascEngine, options: EventEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#observer = engine.observer;
    this.#kind = jsonPost(options.maxBodyBytes);
    this.#tooLargeAnswer = answerOf(this.#kind.tooLarge);
  }

  /**
   * Answers `202 {ok:true, eventId}` once the event has been applied (its patches and ack are already on the
   * client's stream), or a 4xx `{error, code}`. Throws what the store or broker throws (the front door's
   * failure answer turns it into 503 or 500).
   */
  async answer(request: EventPostRequest): Promise<Answer> {
    const startedAt = performance.now();
    const { maxBodyBytes } = this.#options;
    const checked = await checkPost(request, this.#options, this.#kind);
    if (!('text' in checked)) return this.#refused(checked, startedAt, checked === this.#kind.tooLarge ? this.#tooLargeAnswer : undefined);
    const { session, text } = checked;
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
