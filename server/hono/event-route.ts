import type { Context, Handler } from 'hono';
import type { EventEndpoint } from '../endpoints/event-endpoint.js';
import { bufferedRequestBody, utf8Text, type NodeRequestBody } from '../node/node-request-body.js';
import { writeAnswer } from './answer.js';
import { honoRequestParts, nodeEnv } from './hono-request.js';

/**
 * `POST /event` as a Hono route: one event as JSON with its `clientId`, answered by the {@link EventEndpoint}.
 * The origin and session checks are the endpoint's, not middleware's: every event pays for each async step,
 * and at 8 posts in flight they cost more than the checks.
 */
export function eventRoute(events: EventEndpoint, trustProxy: boolean): Handler {
  return async function nascPostEvent(c) {
    const answer = await events.answer({
      ...honoRequestParts(c, trustProxy),
      // With a declared length (already checked) the body is taken from Node's buffer when it is all there,
      // or read directly by node-server; only a chunked body is read through a stream, counting as it goes.
      body: async (declared, maxBytes) =>
        Number.isFinite(declared) ? ((await bufferedBody(c, declared)) ?? (await c.req.text())) : await readBounded(c.req.raw, maxBytes),
    });
    return writeAnswer(c, answer);
  };
}

/**
 * The body from Node's own buffer when all of it has arrived (see {@link bufferedRequestBody}); `undefined`
 * on other runtimes (`app.request()`, Bun, Deno).
 */
async function bufferedBody(c: Context, length: number): Promise<string | undefined> {
  const incoming = nodeEnv(c)?.incoming as Partial<NodeRequestBody> | undefined;
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
