import { GenerationalMap } from '../util/generational-map.js';
import type { Logger } from '../util/logger.js';

/** Which page origins may send state-changing requests, besides the server's own. */
export interface OriginPolicy {
  /** Normalised origins (`new URL(origin).origin`) of pages on other origins that may. */
  readonly allowed: ReadonlySet<string>;
  /** Take the server's own origin from `X-Forwarded-Proto`/`X-Forwarded-Host`. */
  readonly trustProxy: boolean;
  /** Told of each refusal of a page's origin: the origin and the one the server saw itself at. */
  readonly onRefused?: (origin: string, ownOrigin: string) => void;
}


/** How often one (page origin, own origin) pair is logged at most. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Builds an {@link OriginPolicy} from the `allowedOrigins` and `trustProxy` options. With a `logger`, each
 * refusal of a page's origin is logged at `warn` with its likely cause and fix, once a minute per pair of
 * origins: a page refused this way looks live while every event it sends fails, so the operator must hear.
 */
export function originPolicy(options: { allowedOrigins: readonly string[]; trustProxy?: boolean; logger?: Logger }): OriginPolicy {
  const allowed = new Set(options.allowedOrigins.map((origin) => new URL(origin).origin));
  const trustProxy = options.trustProxy ?? false;
  const logger = options.logger;
  if (!logger) return { allowed, trustProxy };
  const lastLogged = new GenerationalMap<string, number>(1_000);
  return {
    allowed,
    trustProxy,
    onRefused(origin, ownOrigin) {
      const pair = `${origin} ${ownOrigin}`;
      const now = Date.now();
      if ((lastLogged.get(pair) ?? -Infinity) > now - REFUSAL_LOG_INTERVAL_MS) return;
      lastLogged.set(pair, now);
      logger.warn('request refused: forbidden_origin', { origin, serverOrigin: ownOrigin, fix: originFix(origin, ownOrigin, trustProxy) });
    },
  };
}

/** The likeliest reason a page's origin differs from the one the server sees itself at, and its fix. */
export function originFix(origin: string, ownOrigin: string, trustProxy: boolean): string {
  let page: URL;
  let own: URL;
  try {
    page = new URL(origin);
    own = new URL(ownOrigin);
  } catch {
    return 'the Origin header is not a valid origin';
  }
  if (page.hostname === own.hostname && page.protocol === own.protocol && page.port !== own.port) {
    return 'a proxy passes the Host header without its port: pass it whole (nginx: proxy_set_header Host $http_host)';
  }
  if (page.hostname === own.hostname && page.protocol !== own.protocol) {
    return trustProxy
      ? 'TLS ends at a proxy that does not say so: set X-Forwarded-Proto there (nginx: proxy_set_header X-Forwarded-Proto $scheme)'
      : 'TLS ends at a proxy: set X-Forwarded-Proto there and trustProxy: true (the demo: TRUST_PROXY=1)';
  }
  return `a page on another origin: add ${page.origin} to allowedOrigins if it may use this server (the demo: ALLOWED_ORIGINS)`;
}

/**
 * Decides whether a request from `origin` (its `Origin` header) may change state: the server's own origin
 * and allowed ones may, so may a request without `Origin` (not sent by a page) unless the browser marked it
 * `Sec-Fetch-Site: cross-site`. `ownOrigin` is asked only when there is an `Origin` to compare with. Returns
 * why not, for the page (the server's own origin stays out of it: behind a proxy it may be an internal
 * address), or `undefined`.
 *
 * @example
 * const why = checkOrigin(headers.origin, headers['sec-fetch-site'], () => 'http://localhost:3000', policy);
 * if (why) refuse(403, 'forbidden_origin', why);
 */
export function checkOrigin(origin: string | undefined, fetchSite: string | undefined, ownOrigin: () => string, policy: OriginPolicy): string | undefined {
  if (origin !== undefined) {
    const own = ownOrigin();
    if (origin === own || policy.allowed.has(origin)) return undefined;
    policy.onRefused?.(origin, own);
    return "Requests from this origin are not allowed: the server does not see itself at this origin. If this page is the server's own, a proxy in front of it changes the Host or hides TLS (the server log names the fix); a page of another origin must be in allowedOrigins.";
  }
  return fetchSite === 'cross-site' ? 'Cross-site requests are not allowed.' : undefined;
}
