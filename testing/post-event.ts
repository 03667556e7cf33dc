/** The JSON body of a `POST /nasc/event` answer: `{ok, eventId}` on 202, `{error, code, eventId?}` otherwise. */
export interface EventReplyBody {
  ok?: boolean;
  eventId?: string;
  error?: string;
  code?: string;
}

/** What `POST /nasc/event` answered. */
export interface PostReply {
  status: number;
  contentType: string | null;
  body: EventReplyBody;
}

/** How to send the body. */
export interface PostOptions {
  /** The Content-Type header; `null` sends none at all (default `application/json`). */
  contentType?: string | null;
  /** Streams the body in chunks without Content-Length (`Transfer-Encoding: chunked`). */
  chunked?: boolean;
  /** The Cookie header (`name=value`); none when absent or `null`. */
  cookie?: string | null;
  /** Extra request headers (Origin, Sec-Fetch-Site, ...). */
  headers?: Record<string, string>;
}

const CHUNK_BYTES = 1024;

// Node's fetch needs `duplex: 'half'` for a streamed body; the DOM typings predate the option.
type StreamingRequestInit = RequestInit & { duplex: 'half' };

/**
 * Posts one event body to `eventUrl` (`…/nasc/event`) with `fetch`: an object is sent as its JSON, a string
 * as is, so tests can send malformed JSON. The answer must be JSON (every refusal is).
 *
 * @example
 * const reply = await postEvent(`${origin}/nasc/event`, { clientId, event: 'mount', type: 'Doc', instance: 'a', payload: {} }, { cookie });
 * assert.equal(reply.status, 202);
 */
export async function postEvent(eventUrl: string, body: string | object, options: PostOptions = {}): Promise<PostReply> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = new TextEncoder().encode(text);
  const headers: Record<string, string> = { ...(options.cookie ? { Cookie: options.cookie } : {}), ...options.headers };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  let init: RequestInit | StreamingRequestInit;
  if (options.chunked) {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + CHUNK_BYTES));
        offset += CHUNK_BYTES;
      },
    });
    init = { method: 'POST', headers, body: stream, duplex: 'half' };
  } else {
    // Bytes rather than a string, so fetch adds no `text/plain` Content-Type of its own.
    init = { method: 'POST', headers, body: bytes };
  }
  const response = await fetch(eventUrl, init);
  const raw = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`POST ${eventUrl} answered ${response.status} with a non-JSON body: ${raw.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`POST ${eventUrl} answered ${response.status} with a non-object body: ${raw.slice(0, 200)}`);
  }
  return { status: response.status, contentType: response.headers.get('Content-Type'), body: parsed as EventReplyBody };
}
