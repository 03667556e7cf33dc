import type { Handler, Hono } from 'hono';
import { refusal } from '../endpoints/refusal.js';
import { chooseCoding } from './accept-encoding.js';
import { writeRefusal } from './answer.js';
import { readClientAsset, type ClientAsset } from './client-asset.js';

/** Where the built browser bundles live: dist/client, seen from dist/server/hono/ or the package's dist/lib/server/. */
export const CLIENT_BUNDLE_DIR = new URL('../../client/', import.meta.url);

/**
 * The browser files served under `nasc.app`: the bundles (also under content-hashed names), the dev map, and
 * the traffic panel alone for pages on the production bundle.
 */
export const CLIENT_FILES = ['nasc.js', 'nasc.dev.js', 'nasc.dev.js.map', 'na-traffic.js'] as const;
export type ClientFile = (typeof CLIENT_FILES)[number];

/** A year: the longest `max-age` caches honour. A content-hashed URL never changes what it holds. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** `nasc.js` → `nasc.<hash>.js`. */
function hashedName(file: string, hash: string): string {
  return file.replace(/\.js$/, `.${hash}.js`);
}

/** If-None-Match against an ETag, by weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * The built browser files, each read once (with its compressed forms) on first use. A file not built yet is
 * looked for again on the next request.
 */
export class ClientScripts {
  readonly #directory: URL;
  readonly #assets = new Map<ClientFile, ClientAsset>();

  constructor(directory: URL = CLIENT_BUNDLE_DIR) {
    this.#directory = directory;
  }

  /** The file as served, or undefined while it is not built. */
  asset(file: ClientFile): ClientAsset | undefined {
    let asset = this.#assets.get(file);
    if (!asset) {
      try {
        asset = readClientAsset(new URL(file, this.#directory));
      } catch {
        return undefined;
      }
      this.#assets.set(file, asset);
    }
    return asset;
  }

  /** `nasc.<hash>.js` for `nasc.js` as built now; the plain name while it is not built. */
  hashedName(file: 'nasc.js' | 'nasc.dev.js'): string {
    const asset = this.asset(file);
    return asset ? hashedName(file, asset.hash) : file;
  }
}

/**
 * `GET /nasc.js`, `/nasc.dev.js` (dev warnings and overlay) and `/nasc.dev.js.map`, served like static assets:
 * brotli or gzip when the browser takes them (`Vary: Accept-Encoding`), a strong ETag per coding, and
 * `no-cache`, so every load revalidates (a 304 when unchanged). `/nasc.<hash>.js` and `/nasc.dev.<hash>.js`
 * carry the same bytes with `immutable` caching: a page that names them (`nasc.clientScript()`) costs no
 * request at all on later loads. A hash this process does not have (a page from another release) is sent to
 * the plain name.
 */
export function addClientScriptRoutes(app: Hono, scripts: ClientScripts): void {
  for (const file of CLIENT_FILES) {
    app.get(`/${file}`, clientScriptRoute(scripts, file, false));
    if (file.endsWith('.js')) {
      const stem = file.slice(0, -'.js'.length).replaceAll('.', '\\.');
      app.get(`/:name{${stem}\\.[0-9a-f]+\\.js}`, clientScriptRoute(scripts, file, true));
    }
  }
}

function clientScriptRoute(scripts: ClientScripts, file: ClientFile, hashed: boolean): Handler {
  const contentType = file.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8';
  return function nascClientScript(c) {
    const asset = scripts.asset(file);
    if (!asset) return writeRefusal(c, refusal(500, 'bundle_missing', 'The client bundle is not built: run npm run build.'));
    if (hashed && c.req.param('name') !== hashedName(file, asset.hash)) {
      c.header('Cache-Control', 'no-cache');
      return c.redirect(file, 307);
    }
    const coding = chooseCoding(c.req.header('Accept-Encoding'));
    const etag = coding === 'identity' ? `"${asset.digest}"` : `"${asset.digest}-${coding}"`;
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      'Cache-Control': hashed ? IMMUTABLE : 'no-cache',
      ETag: etag,
      Vary: 'Accept-Encoding',
    };
    if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, headers);
    if (coding !== 'identity') headers['Content-Encoding'] = coding;
    return c.body(asset.bodies[coding], 200, headers);
  };
}
