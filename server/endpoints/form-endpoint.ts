import { isPrototypeKey, type ClientEvent, type JsonObject, type JsonValue } from '../../protocol/index.js';
import type { Caller, HandleResult, NascEngine } from '../engine/engine.js';
import { errorAnswer } from '../observe/observer.js';
import { flashCookie } from '../security/flash-cookie.js';
import { isBackendUnavailable } from '../store/backend-unavailable.js';
import { BUTTON_FIELD, flashText, readFormTarget } from './form-post.js';
import { checkPost, formPost, type PostKind, type PostPolicy, type PostRequest } from './post-checks.js';
import { refusal, type Refusal } from './refusal.js';

/** A form POST as the endpoint sees it, whichever way it came in. */
export interface FormPostRequest extends PostRequest {
  /** A query parameter of the address posted to (the form's target). */
  query(name: string): string | undefined;
}

/** What the endpoint answers: back to the page (with a flash when the event was refused), or a refusal. */
export type FormAnswer = { readonly redirect: string; readonly setCookie?: string } | { readonly refusal: Refusal };

/** Options of the form endpoint: the checks every post meets (origins, session cookie, size). */
export type FormEndpointOptions = PostPolicy;

/**
 * The client id every form event is handled under (within its session): no page can open a stream with it,
 * since client ids from the wire have no control characters, so no stream can hold it and none gets a form's
 * answers.
 */
const FORM_CLIENT_ID = '\u0000form';

/**
 * `POST <mount>/form`: an event posted by a plain HTML form (or a button of the page's hidden form) from a
 * page the server rendered, for browsers without JavaScript. It makes the checks of every post
 * (`checkPost`: the origin, where a form must show it comes from a page of this server since it needs no CORS
 * preflight; the session cookie, never issued here; the media type and size), then reads the fields and the
 * target (in the address, or in a button's value). The event is handled as the session's, like any other
 * (limits, `resolveInstance`, `authorize`, payload schema, at most once per event id), and the browser is sent
 * back to its page (303); a refused event leaves a flash the page shows as `$error` and `$errors.<field>`.
 */
export class FormEndpoint {
  readonly #engine: NascEngine;
  readonly #options: FormEndpointOptions;
  readonly #kind: PostKind;

  constructor(engine: NascEngine, options: FormEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#kind = formPost(options.maxBodyBytes);
  }

  async answer(request: FormPostRequest): Promise<FormAnswer> {
    const startedAt = performance.now();
    const observer = this.#engine.observer;
    // Refused before the event is known: reported without caller or event, as the event endpoint does.
    const refused = (refusal: Refusal): FormAnswer => {
      observer.eventDone('form', undefined, undefined, refusal, startedAt, undefined);
      return { refusal };
    };
    const { origins, sessions } = this.#options;
    const checked = await checkPost(request, this.#options, this.#kind);
    if (!('text' in checked)) return refused(checked);
    const { session, text } = checked;
    const fields = formFields(text);
    if (typeof fields === 'string') return refused(refusal(400, 'forbidden_key', `The field "${fields}" is not allowed.`));
    // A button of the page's hidden form posts its event as its value; a form's is in its address.
    const button = fields[BUTTON_FIELD];
    delete fields[BUTTON_FIELD];
    if (button !== undefined && typeof button !== 'string') return refused(refusal(400, 'bad_field', `"${BUTTON_FIELD}" was posted twice.`));
    const target = readFormTarget((name) => request.query(name), button, () => request.ownOrigin(), origins);
    if (typeof target === 'string') return refused(refusal(400, 'bad_field', target));
    const { type, instance, event: name, eventId, payload, returnTo } = target;
    const caller: Caller = { session, clientId: FORM_CLIENT_ID };
    // The form's own key (a list item's) wins over a field of the same name, as the elements' payload does.
    const event: ClientEvent = { event: name, type, instance, eventId, payload: { ...fields, ...payload } };
    const trace = observer.startEvent('form', event);
    let result: HandleResult;
    try {
      result = await this.#engine.handle(caller, event);
    } catch (error) {
      observer.eventDone('form', caller, event, errorAnswer(isBackendUnavailable(error)), startedAt, trace);
      throw error;
    }
    observer.eventDone('form', caller, event, result, startedAt, trace);
    // Refused before the handler ran (a limit, `authorize`): shown on the page like a handler's refusal.
    const failure = result.accepted ? result.failure : { message: result.message };
    if (!failure) return { redirect: returnTo };
    const field = 'field' in failure ? failure.field : undefined;
    const flash = flashText({ type, instance, message: failure.message, ...(field === undefined ? {} : { field }) });
    const setCookie = flashCookie(sessions.codec, sessions.cookie, session, flash, request.ownOrigin().startsWith('https:'));
    return setCookie === undefined ? { redirect: returnTo } : { redirect: returnTo, setCookie };
  }
}

/**
 * A form body as an event payload: every field a string, a name posted more than once an array of its values
 * (checkboxes sharing a name). A prototype key's name is returned instead, for the refusal.
 */
function formFields(body: string): JsonObject | string {
  const fields: JsonObject = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (isPrototypeKey(name)) return name;
    const earlier: JsonValue | undefined = Object.hasOwn(fields, name) ? fields[name] : undefined;
    fields[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return fields;
}
