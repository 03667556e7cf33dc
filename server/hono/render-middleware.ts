import type { MiddlewareHandler } from 'hono';
import type { RenderEndpoint } from '../endpoints/render-endpoint.js';
import { honoRequestParts } from './hono-request.js';

/** The response headers a rendered page drops: its body is another one, made for one session. */
const STALE_HEADERS = ['content-length', 'etag', 'last-modified'];

/**
 * The middleware behind `nasc.render()`: renders the HTML answer of the routes after it (a static file, a
 * template engine's string, Hono's JSX) with its scopes' state for the request's session. Other answers
 * (not `200 text/html`, without a body, or already encoded by a compression middleware inside this one) pass
 * as they are. A rendered page is `Cache-Control: private, no-store`: it holds one session's state, and a
 * copy kept and shown later would also post its forms with event ids already used.
 */
export function renderMiddleware(pages: RenderEndpoint, trustProxy: boolean): MiddlewareHandler {
  return async function nascRender(c, next) {
    await next();
    const response = c.res;
    if (response.status !== 200 || !response.body || response.headers.has('content-encoding')) return;
    if (!/^text\/html\s*(;|$)/i.test(response.headers.get('content-type') ?? '')) return;
    const url = new URL(c.req.url);
    const page = await pages.render({ ...honoRequestParts(c, trustProxy), path: url.pathname + url.search }, await response.text());
    const headers = new Headers(response.headers);
    for (const name of STALE_HEADERS) headers.delete(name);
    headers.set('Cache-Control', 'private, no-store');
    for (const cookie of page.setCookies) headers.append('Set-Cookie', cookie);
    // Cleared first: Hono copies the headers of the response it replaces into the new one, which would bring
    // back the dropped ones.
    c.res = undefined;
    c.res = new Response(page.html, { status: response.status, statusText: response.statusText, headers });
  };
}
