import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'hono';
import { headerValue } from '../node/node-request.js';

/**
 * The origin the browser sees for this request. Behind a proxy that ends TLS, Node sees `http://internal`;
 * with `trustProxy` the `X-Forwarded-Proto` and `X-Forwarded-Host` headers say what the page used. Only
 * trust them when a proxy you run sets them (and strips them from clients).
 */
export function requestOrigin(c: Context, trustProxy: boolean): string {
  return originSeenByBrowser(new URL(c.req.url), c.req.header('X-Forwarded-Proto'), c.req.header('X-Forwarded-Host'), trustProxy);
}

/** {@link requestOrigin} of a request taken straight from Node (`attach`): its URL as Node sees it, and its headers. */
export function nodeRequestOrigin(url: URL, headers: IncomingHttpHeaders, trustProxy: boolean): string {
  return originSeenByBrowser(url, headerValue(headers['x-forwarded-proto']), headerValue(headers['x-forwarded-host']), trustProxy);
}

/**
 * {@link requestOrigin} from its parts: the URL as Node sees it and the forwarding headers, for callers that
 * have no Hono context (a WebSocket upgrade handled on the HTTP server).
 */
export function originSeenByBrowser(
  url: URL,
  forwardedProto: string | undefined,
  forwardedHost: string | undefined,
  trustProxy: boolean,
): string {
  if (!trustProxy) return url.origin;
  const proto = forwardedProto?.split(',')[0]?.trim();
  const host = forwardedHost?.split(',')[0]?.trim();
  const protocol = proto === 'https' || proto === 'http' ? `${proto}:` : url.protocol;
  try {
    return new URL(`${protocol}//${host || url.host}`).origin;
  } catch {
    return url.origin;
  }
}
