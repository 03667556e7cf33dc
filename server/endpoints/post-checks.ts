import type { OriginPolicy } from '../security/origin-check.js';
import type { SessionCodec } from '../security/session-codec.js';
import { verifySession, type SessionCookieSettings } from '../security/session-cookie.js';
import { formOriginRefusal, originRefusal } from './origin-refusal.js';
import { refusal, type Refusal } from './refusal.js';

/** A POST as the checks see it, whichever endpoint and whichever way in. */
export interface PostRequest {
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

/** What every POST to Nasc is checked against. */
export interface PostPolicy {
  maxBodyBytes: number;
  origins: OriginPolicy;
  /** The session cookie every post must carry (never issued by a post: a stream or a rendered page issues it). */
  sessions: { codec: SessionCodec; cookie: SessionCookieSettings };
}

/** What differs between the kinds of POST: the body they take, and what their refusals say. */
export interface PostKind {
  /**
   * `true` for a plain form, which any site can post without a CORS preflight: the page must show it is one
   * of this server's (see `checkFormOrigin`). A JSON post needs a preflight, so the usual origin check holds.
   */
  readonly form: boolean;
  readonly mediaType: RegExp;
  readonly noSession: Refusal;
  readonly wrongMediaType: Refusal;
  /** Answered for a body over `maxBodyBytes`; the same object every time, so a caller may keep its answer ready. */
  readonly tooLarge: Refusal;
}

/** A post that passed the checks: whose it is, and its body. */
export interface CheckedPost {
  readonly session: string;
  readonly text: string;
}

/**
 * The checks every POST to Nasc makes, in this order: the origin (first, so another site learns nothing
 * else), the session cookie (a missing or forged one means the post cannot be tied to anyone), the media type
 * (for JSON, also what makes a cross-site post need a preflight), the declared and then the read size. The
 * event endpoint and the form endpoint both call this, so a form posted without JavaScript meets the same
 * checks as an event posted by the elements.
 */
export async function checkPost(request: PostRequest, policy: PostPolicy, kind: PostKind): Promise<CheckedPost | Refusal> {
  const foreign = kind.form ? formOriginRefusal(request, policy.origins) : originRefusal(request, policy.origins);
  if (foreign) return foreign;
  const session = verifySession(policy.sessions.codec, request.header('cookie'), policy.sessions.cookie);
  if (!session) return kind.noSession;
  if (!kind.mediaType.test(request.header('content-type') ?? '')) return kind.wrongMediaType;
  // No Content-Length (a chunked body) reads as NaN.
  const declared = Number(request.header('content-length') ?? Number.NaN);
  if (declared > policy.maxBodyBytes) return kind.tooLarge;
  const text = await request.body(declared, policy.maxBodyBytes);
  return text === undefined ? kind.tooLarge : { session, text };
}

/** The kind of an event posted as JSON by the elements (`POST <mount>/event`). */
export function jsonPost(maxBodyBytes: number): PostKind {
  return {
    form: false,
    mediaType: /^application\/json\s*(;|$)/i,
    noSession: refusal(403, 'no_session', 'No valid session: open the event stream first (it sets the session cookie).'),
    wrongMediaType: refusal(415, 'unsupported_media_type', 'Send the event as Content-Type: application/json.'),
    tooLarge: refusal(413, 'too_large', `An event may be at most ${maxBodyBytes} bytes.`),
  };
}

/** The kind of a plain HTML form posted without JavaScript (`POST <mount>/form`). */
export function formPost(maxBodyBytes: number): PostKind {
  return {
    form: true,
    mediaType: /^application\/x-www-form-urlencoded\s*(;|$)/i,
    noSession: refusal(403, 'no_session', 'No valid session: load the page again (it sets the session cookie), with cookies allowed.'),
    wrongMediaType: refusal(415, 'unsupported_media_type', 'Post the form as application/x-www-form-urlencoded.'),
    tooLarge: refusal(413, 'too_large', `A form may post at most ${maxBodyBytes} bytes.`),
  };
}
