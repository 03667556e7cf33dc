/** Which page origins may send state-changing requests, besides the server's own. */
export interface OriginPolicy {
  /** Normalised origins (`new URL(origin).origin`) of pages on other origins that may. */
  readonly allowed: ReadonlySet<string>;
  /** Take the server's own origin from `X-Forwarded-Proto`/`X-Forwarded-Host`. */
  readonly trustProxy: boolean;
}

/** Why a request was refused for where it came from. */
export interface OriginRefusal {
  status: 403;
  code: 'forbidden_origin';
  message: string;
}

/** Builds an {@link OriginPolicy} from the `allowedOrigins` and `trustProxy` options. */
export function originPolicy(options: { allowedOrigins: readonly string[]; trustProxy?: boolean }): OriginPolicy {
  return { allowed: new Set(options.allowedOrigins.map((origin) => new URL(origin).origin)), trustProxy: options.trustProxy ?? false };
}

/**
 * Decides whether a request from `origin` (its `Origin` header) may change state: the server's own origin
 * and allowed ones may, so may a request without `Origin` (not sent by a page) unless the browser marked it
 * `Sec-Fetch-Site: cross-site`. `ownOrigin` is asked only when there is an `Origin` to compare with.
 *
 * @example
 * const refused = checkOrigin(headers.origin, headers['sec-fetch-site'], () => 'http://localhost:3000', policy);
 * if (refused) answer(refused.status, refused.code, refused.message);
 */
export function checkOrigin(
  origin: string | undefined,
  fetchSite: string | undefined,
  ownOrigin: () => string,
  policy: OriginPolicy,
): OriginRefusal | undefined {
  if (origin !== undefined) {
    if (origin !== ownOrigin() && !policy.allowed.has(origin)) {
      return { status: 403, code: 'forbidden_origin', message: 'Requests from this origin are not allowed.' };
    }
  } else if (fetchSite === 'cross-site') {
    return { status: 403, code: 'forbidden_origin', message: 'Cross-site requests are not allowed.' };
  }
  return undefined;
}
