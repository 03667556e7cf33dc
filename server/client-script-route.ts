import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Handler } from 'hono';
import { jsonError } from './json-error.js';

/** Where the built browser bundle lives, next to the compiled server. */
export const CLIENT_BUNDLE_URL = new URL('../client/nasc.js', import.meta.url);

/**
 * `GET /nasc.js`: the browser bundle (elements, Lit included), read once, served with an ETag so browsers
 * revalidate instead of downloading it again.
 */
export function clientScriptRoute(bundleUrl: URL = CLIENT_BUNDLE_URL): Handler {
  let cached: { body: string; etag: string } | undefined;
  return function nascClientScript(c) {
    if (!cached) {
      let body: string;
      try {
        body = readFileSync(bundleUrl, 'utf8');
      } catch {
        return jsonError(c, 500, 'bundle_missing', 'The client bundle is not built: run npm run build.');
      }
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    const headers = {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
      ETag: cached.etag,
    };
    if (c.req.header('If-None-Match') === cached.etag) return c.body(null, 304, headers);
    return c.body(cached.body, 200, headers);
  };
}
