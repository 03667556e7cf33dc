import type { IncomingHttpHeaders } from 'node:http';
import { originSeenByBrowser } from '../security/request-origin.js';

/** The part of a Node request (`IncomingMessage`, `Http2ServerRequest`) read before Hono would build one. */
export interface NodeRequestLine {
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: object | null;
}

/** A `Host` that needs no parsing to be trusted (`@hono/node-server` uses the same test). */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * The request's URL as the Hono route would see it (scheme of the socket, `Host`, target), or undefined when
 * `Host` is not a host: `@hono/node-server` answers those 400 before any route runs.
 */
export function requestUrl(request: NodeRequestLine): URL | undefined {
  const socket = request.socket as { encrypted?: unknown } | null;
  const scheme = socket?.encrypted === true ? 'https' : 'http';
  const host = request.headers.host ?? 'localhost';
  try {
    const url = new URL(`${scheme}://${host}${request.url ?? '/'}`);
    if (PLAIN_HOST.test(host)) return url;
    const bare = host.includes(':') ? host.replace(/:\d+$/, '') : host;
    return url.hostname.length === host.length || url.hostname === bare.toLowerCase() ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The path of a request target, without its query. */
export function pathnameOf(target: string | undefined): string {
  if (target === undefined) return '';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/** One value of a header Node may have kept as a list (`set-cookie`): its first. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The origin the page of a request taken straight from Node sees this server at (see `originSeenByBrowser`). */
export function nodeRequestOrigin(url: URL, headers: IncomingHttpHeaders, trustProxy: boolean): string {
  return originSeenByBrowser(url, headerValue(headers['x-forwarded-proto']), headerValue(headers['x-forwarded-host']), trustProxy);
}

/** A request taken straight from Node as the endpoints read it: its headers, and the origin its page sees. */
export function nodeRequestParts(url: URL, headers: IncomingHttpHeaders, trustProxy: boolean): { header(lowerName: string): string | undefined; ownOrigin(): string } {
  return { header: (lowerName) => headerValue(headers[lowerName]), ownOrigin: () => nodeRequestOrigin(url, headers, trustProxy) };
}
