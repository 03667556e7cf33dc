import type { Context } from 'hono';

/** The part of Node's `IncomingMessage` (or `Http2ServerRequest`) whose headers are read. */
interface NodeRequestHeaders {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * A request header by its lowercase name. On Node it is read from the request's own parsed headers (one
 * property read), not through the web `Headers` view `@hono/node-server` builds (a name check, a value check
 * and, for a header Node does not join, a walk over the raw headers: five times per event). Node's parser has
 * already refused line breaks in values and trimmed them; a repeated `Content-Type` reads as its first.
 * Elsewhere (other runtimes, `app.request()`), `c.req.header()`.
 *
 * @example
 * const cookie = requestHeader(c, 'cookie');
 */
export function requestHeader(c: Context, lowerName: string): string | undefined {
  const headers = (c.env as { incoming?: Partial<NodeRequestHeaders> } | undefined)?.incoming?.headers;
  if (!headers) return c.req.header(lowerName);
  const value = headers[lowerName];
  return typeof value === 'string' ? value : undefined;
}
