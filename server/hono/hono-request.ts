import type { Context } from 'hono';
import { originSeenByBrowser } from '../security/request-origin.js';

/** The part of Node's `IncomingMessage` (or `Http2ServerRequest`) whose headers are read. */
interface NodeRequestHeaders {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the endpoints read of a request, from a Hono context. */
export interface HonoRequestParts {
  header(lowerName: string): string | undefined;
  ownOrigin(): string;
}

/** A Hono request as the endpoints read it: its headers, and the origin its page sees this server at. */
export function honoRequestParts(c: Context, trustProxy: boolean): HonoRequestParts {
  return { header: (lowerName) => requestHeader(c, lowerName), ownOrigin: () => requestOrigin(c, trustProxy) };
}

/**
 * A request header by its lowercase name. On Node it is read from the request's own parsed headers (one
 * property read), not through the web `Headers` view `@hono/node-server` builds (a name check, a value check
 * and, for a header Node does not join, a walk over the raw headers: five times per event). Node's parser has
 * already refused line breaks in values and trimmed them; a repeated `Content-Type` reads as its first.
 * Elsewhere (other runtimes, `app.request()`), `c.req.header()`.
 */
export function requestHeader(c: Context, lowerName: string): string | undefined {
  const headers = (nodeEnv(c)?.incoming as Partial<NodeRequestHeaders> | undefined)?.headers;
  if (!headers) return c.req.header(lowerName);
  const value = headers[lowerName];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The origin the browser sees for this request. Behind a proxy that ends TLS, Node sees `http://internal`;
 * with `trustProxy` the `X-Forwarded-Proto` and `X-Forwarded-Host` headers say what the page used.
 */
export function requestOrigin(c: Context, trustProxy: boolean): string {
  return originSeenByBrowser(new URL(c.req.url), c.req.header('X-Forwarded-Proto'), c.req.header('X-Forwarded-Host'), trustProxy);
}

/** What `@hono/node-server` passes a route as its environment: Node's request and response. */
export interface NodeEnv {
  readonly incoming?: unknown;
  readonly outgoing?: unknown;
}

/**
 * Node's request and response behind this Hono request, when `@hono/node-server` serves it: the one place
 * the Hono routes look past the web `Request` (to read headers and bodies Node already parsed, and to write
 * an SSE stream straight to the socket).
 */
export function nodeEnv(c: Context): NodeEnv | undefined {
  const env: unknown = c.env;
  return typeof env === 'object' && env !== null && 'incoming' in env ? (env as NodeEnv) : undefined;
}
