import type { Context, Handler } from 'hono';
import { decodeEvent } from './decode-event.js';
import type { NascEngine } from './engine.js';
import { jsonError } from './json-error.js';
import { jsonString } from './patch-json.js';
import type { OriginPolicy } from './origin-check.js';
import { refuseForeignOrigin } from './origin-guard.js';
import { requestHeader } from './request-header.js';
import type { SessionCodec } from './session-codec.js';
import { verifySession, type SessionCookieSettings } from './session-cookie.js';
import type { TurnWrites } from './turn-writes.js';

/** Options of the event endpoint. */
export interface EventRouteOptions {
  maxBodyBytes: number;
  /** Which pages may post events: checked first, as `originGuard` does for the other routes. */
  origins: OriginPolicy;
  /** The session cookie every event must carry (never issued here: the stream issues it). */
  sessions: { codec: SessionCodec; cookie: SessionCookieSettings };
  /** The SSE route's: the 202 waits until the frames it holds (this event's among them) have left. */
  turnWrites?: TurnWrites;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * `POST /event`: one event as JSON with its `clientId`. Answers `202 {ok:true, eventId}` once the event has
 * been applied (its patches and ack are already on the client's stream), or a 4xx `{error, code}`.
 */
export function eventRoute(engine: NascEngine, options: EventRouteOptions): Handler {
  const { origins, sessions } = options;
  return async function nascPostEvent(c) {
    // The origin check of `originGuard`, then the session cookie (a missing or forged one means the event
    // cannot be tied to a stream), done here rather than as two more middleware: every event pays for each
    // async step, and at 8 posts in flight they cost more than the checks.
    const foreign = refuseForeignOrigin(c, origins);
    if (foreign) return foreign;
    const session = verifySession(sessions.codec, requestHeader(c, 'cookie'), sessions.cookie);
    if (!session) return jsonError(c, 403, 'no_session', 'No valid session: open the event stream first (it sets the session cookie).');
    // Requiring JSON also makes a cross-site POST need a CORS preflight: plain forms cannot send it.
    if (!JSON_TYPE.test(requestHeader(c, 'content-type') ?? '')) {
      return jsonError(c, 415, 'unsupported_media_type', 'Send the event as Content-Type: application/json.');
    }
    // No Content-Length (a chunked body) reads as NaN.
    const declared = Number(requestHeader(c, 'content-length') ?? Number.NaN);
    if (declared > options.maxBodyBytes) return tooLarge(c, options.maxBodyBytes);
    // With a declared length (already checked) the body is taken from Node's buffer when it is all there, or
    // read directly by node-server; only a chunked body is read through a stream, counting as it goes.
    const text = Number.isFinite(declared)
      ? ((await bufferedBody(c, declared)) ?? (await c.req.text()))
      : await readBounded(c.req.raw, options.maxBodyBytes);
    if (text === undefined) return tooLarge(c, options.maxBodyBytes);
    const decoded = decodeEvent(text, options.maxBodyBytes, true);
    if (!decoded.ok) return jsonError(c, decoded.status, decoded.code, decoded.message);
    // The posted event is a ClientEvent with its clientId beside it: the engine reads only the fields it
    // knows, so it is passed as it is rather than copied without that one field.
    const event = decoded.value;
    const result = await engine.handle({ session, clientId: event.clientId }, event);
    if (!result.ok) return jsonError(c, result.status, result.code, result.message, result.eventId, result.retryAfterMs);
    const flushing = options.turnWrites?.flushed();
    if (flushing) await flushing;
    // What `c.json({ ok: true, eventId }, 202)` sends, byte for byte, without JSON.stringify's generic walk.
    return c.body(`{"ok":true,"eventId":${jsonString(result.eventId)}}`, 202, { 'Content-Type': 'application/json' });
  };
}

function tooLarge(c: Context, maxBodyBytes: number): Response {
  return jsonError(c, 413, 'too_large', `An event may be at most ${maxBodyBytes} bytes.`);
}

/** The part of Node's `IncomingMessage` a received body is taken from. */
interface NodeIncoming {
  readonly readableLength: number;
  read(): Uint8Array | string | null;
}

const utf8 = new TextDecoder();

/**
 * The body, when Node has already received all of it: a small POST comes in the same packet as its headers,
 * and by the time the route runs it waits in the request's buffer. Taken from there it skips the two ticks
 * the stream's `data` and `end` take, about 5 µs per event. Decoded as node-server decodes it (a leading BOM
 * dropped, bad UTF-8 replaced). `undefined` on other runtimes, or while part of the body is on its way.
 */
async function bufferedBody(c: Context, length: number): Promise<string | undefined> {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  if (!incoming || length === 0 || typeof incoming.read !== 'function') return undefined;
  // The route runs inside the 'request' event, before Node's parser has read on past the headers: one
  // microtask later, a body that came with them is in the buffer.
  await undefined;
  if (incoming.readableLength !== length) return undefined;
  const body = incoming.read();
  if (body === null) return undefined;
  return typeof body === 'string' ? body : utf8.decode(body);
}

/** Reads a request body as UTF-8, giving up (undefined) as soon as it passes `maxBytes`. */
async function readBounded(request: Request, maxBytes: number): Promise<string | undefined> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
