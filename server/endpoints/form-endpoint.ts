import { isPrototypeKey, type JsonObject, type JsonValue } from '../../protocol/index.js';
import type { NascEngine } from '../engine/engine.js';
import { flashCookie } from '../security/flash-cookie.js';
import type { OriginPolicy } from '../security/origin-check.js';
import type { SessionCodec } from '../security/session-codec.js';
import { verifySession, type SessionCookieSettings } from '../security/session-cookie.js';
import { BUTTON_FIELD, flashText, readFormTarget } from './form-post.js';
import { formOriginRefusal } from './origin-refusal.js';
import { refusal, type Refusal } from './refusal.js';

/** A form POST as the endpoint sees it, whichever way it came in. */
export interface FormPostRequest {
  header(lowerName: string): string | undefined;
  ownOrigin(): string;
  /** A query parameter of the address posted to (the form's target). */
  query(name: string): string | undefined;
  /** The body as UTF-8 text, or `undefined` as soon as it passes `maxBytes` (`declaredBytes`: `NaN` when chunked). */
  body(declaredBytes: number, maxBytes: number): Promise<string | undefined>;
}

/** What the endpoint answers: back to the page (with a flash when the event was refused), or a refusal. */
export type FormAnswer = { readonly redirect: string; readonly setCookie?: string } | { readonly refusal: Refusal };

/** Options of the form endpoint. */
export interface FormEndpointOptions {
  maxBodyBytes: number;
  origins: OriginPolicy;
  sessions: { codec: SessionCodec; cookie: SessionCookieSettings };
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * `POST <mount>/form`: an event posted by a plain HTML form (or a button of the page's hidden form) from a
 * page the server rendered, for browsers without JavaScript. It checks, in order: that the post comes from a
 * page of this server (`Origin`, else `Sec-Fetch-Site: same-origin`; a plain form needs no CORS preflight, so
 * this is the check that stops other sites), the session cookie (never issued here), the media type and size,
 * the fields, the target (in the address, or in a button's value). Then the event is handled as the session's, like any other (limits,
 * `resolveInstance`, `authorize`, at most once per event id), and the browser is sent back to its page (303);
 * a refused event leaves a flash the page shows as `$error` and `$errors.<field>`.
 */
export class FormEndpoint {
  readonly #engine: NascEngine;
  readonly #options: FormEndpointOptions;

  constructor(engine: NascEngine, options: FormEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  async answer(request: FormPostRequest): Promise<FormAnswer> {
    const { origins, sessions, maxBodyBytes } = this.#options;
    const foreign = formOriginRefusal(request, origins);
    if (foreign) return { refusal: foreign };
    const session = verifySession(sessions.codec, request.header('cookie'), sessions.cookie);
    if (!session) return { refusal: refusal(403, 'no_session', 'No valid session: load the page again (it sets the session cookie), with cookies allowed.') };
    if (!FORM_TYPE.test(request.header('content-type') ?? '')) {
      return { refusal: refusal(415, 'unsupported_media_type', 'Post the form as application/x-www-form-urlencoded.') };
    }
    const declared = Number(request.header('content-length') ?? Number.NaN);
    const text = declared > maxBodyBytes ? undefined : await request.body(declared, maxBodyBytes);
    if (text === undefined) return { refusal: refusal(413, 'too_large', `A form may post at most ${maxBodyBytes} bytes.`) };
    const fields = formFields(text);
    if (typeof fields === 'string') return { refusal: refusal(400, 'forbidden_key', `The field "${fields}" is not allowed.`) };
    // A button of the page's hidden form posts its event as its value; a form's is in its address.
    const button = fields[BUTTON_FIELD];
    delete fields[BUTTON_FIELD];
    if (button !== undefined && typeof button !== 'string') return { refusal: refusal(400, 'bad_field', `"${BUTTON_FIELD}" was posted twice.`) };
    const target = readFormTarget((name) => request.query(name), button, () => request.ownOrigin(), origins);
    if (typeof target === 'string') return { refusal: refusal(400, 'bad_field', target) };
    const { type, instance, event, eventId, payload, returnTo } = target;
    // The form's own key (a list item's) wins over a field of the same name, as the elements' payload does.
    const result = await this.#engine.handle({ session, clientId: `form:${session}` }, { event, type, instance, eventId, payload: { ...fields, ...payload } });
    const outcome = result.accepted ? result.outcome : { ok: false as const, message: result.message };
    if (!outcome || outcome.ok) return { redirect: returnTo };
    const field = 'field' in outcome ? outcome.field : undefined;
    const flash = flashText({ type, instance, message: outcome.message, ...(field === undefined ? {} : { field }) });
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
