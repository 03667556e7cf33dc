/**
 * The origin the browser sees for a request, from the URL as Node sees it and the forwarding headers. Behind
 * a proxy that ends TLS, Node sees `http://internal`; with `trustProxy` the `X-Forwarded-Proto` and
 * `X-Forwarded-Host` headers say what the page used. Only trust them when a proxy you run sets them (and
 * strips them from clients).
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
