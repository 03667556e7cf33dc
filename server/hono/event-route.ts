import type { Context, Handler } from 'hono';
import type { EventPosts } from '../endpoints/event-endpoint.js';
import { retryAfterSeconds } from '../endpoints/refusal.js';
import { bufferedRequestBody, utf8Text, type NodeRequestBody } from '../node/node-request-body.js';
import { requestHeader } from './request-header.js';
import { requestOrigin } from '../security/request-origin.js';

/**
 * `POST /event` as a Hono route: one event as JSON with its `clientId` (see {@link EventPosts}). The
 * origin and session checks are made here rather than by two more middleware: every event pays for each
 * async step, and at 8 posts in flight they cost more than the checks.
 */
export function eventRoute(posts: EventPosts, trustProxy: boolean): Handler {
  return async function nascPostEvent(c) {
    const answer = await posts.answer({
      header: (lowerName) => requestHeader(c, lowerName),
      ownOrigin: () => requestOrigin(c, trustProxy),
      // With a declared length (already checked) the body is taken from Node's buffer when it is all there,
      // or read directly by node-server; only a chunked body is read through a stream, counting as it goes.
      body: async (declared, maxBytes) =>
        Number.isFinite(declared) ? ((await bufferedBody(c, declared)) ?? (await c.req.text())) : await readBounded(c.req.raw, maxBytes),
    });
    if (answer.retryAfterMs !== undefined) c.header('Retry-After', retryAfterSeconds(answer.retryAfterMs));
    // What `c.json(…)` sends, byte for byte, with the JSON already written.
    return c.body(answer.body, answer.status, { 'Content-Type': 'application/json' });
  };
}

/**
 * The body from Node's own buffer when all of it has arrived (see {@link bufferedRequestBody}); `undefined`
 * on other runtimes (`app.request()`, Bun, Deno).
 */
async function bufferedBody(c: Context, length: number): Promise<string | undefined> {
  const incoming = (c.env as { incoming?: Partial<NodeRequestBody> } | undefined)?.incoming;
  if (!incoming || typeof incoming.read !== 'function' || typeof incoming.readableLength !== 'number') return undefined;
  return bufferedRequestBody(incoming as NodeRequestBody, length);
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
  return utf8Text(Buffer.concat(chunks, size));
}
