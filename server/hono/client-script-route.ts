import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Handler } from 'hono';
import { refusal } from '../endpoints/refusal.js';
import { writeRefusal } from './answer.js';

/** Where the built browser bundles live, next to the compiled server. */
export const CLIENT_BUNDLE_DIR = new URL('../../client/', import.meta.url);

/**
 * `GET /nasc.js` (production) or `GET /nasc.dev.js` (dev warnings and overlay): a browser bundle (elements,
 * Lit included), read once, served with an ETag so browsers revalidate instead of downloading it again.
 */
export function clientScriptRoute(file: 'nasc.js' | 'nasc.dev.js' | 'nasc.dev.js.map' | 'na-traffic.js', directory: URL = CLIENT_BUNDLE_DIR): Handler {
  const contentType = file.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8';
  const bundleUrl = new URL(file, directory);
  let cached: { body: string; etag: string } | undefined;
  return function nascClientScript(c) {
    if (!cached) {
      let body: string;
      try {
        body = readFileSync(bundleUrl, 'utf8');
      } catch {
        return writeRefusal(c, refusal(500, 'bundle_missing', 'The client bundle is not built: run npm run build.'));
      }
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    const headers = {
      'Content-Type': contentType,
      'Cache-Control': 'no-cache',
      ETag: cached.etag,
    };
    if (c.req.header('If-None-Match') === cached.etag) return c.body(null, 304, headers);
    return c.body(cached.body, 200, headers);
  };
}
