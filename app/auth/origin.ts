/**
 * Whether a request's Origin is the app's own or an allowed embedder. The app's own origin is
 * whatever host the browser addressed (the Host header): the app answers on localhost, 127.0.0.1
 * or a public name alike, and a cross-site page cannot make a browser send our Host with its own
 * Origin. A missing Origin passes: browsers send one on every cross-origin request, so its absence
 * means a same-origin GET or a non-browser client, neither of which a hostile page can forge.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowedOrigins: readonly string[] = [],
): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  if (!host || origin === "null" || !URL.canParse(origin)) return false;
  const parsed = new URL(origin);
  return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host === host.toLowerCase();
}

/**
 * Whether a state-changing request (any method but GET, HEAD, OPTIONS) comes from our own pages.
 * Browsers send Origin on every such request; a few privacy settings strip it and leave Referer,
 * whose origin then stands in. A request with neither is refused: no page of ours sends one, and
 * only a script outside any browser would, which has no business posting forms with a cookie.
 */
export function isSameOriginMutation(headers: {
  origin?: string;
  referer?: string;
  host?: string;
  allowedOrigins?: readonly string[];
}): boolean {
  if (headers.origin !== undefined) return isAllowedOrigin(headers.origin, headers.host, headers.allowedOrigins);
  if (headers.referer === undefined || !URL.canParse(headers.referer)) return false;
  return isAllowedOrigin(new URL(headers.referer).origin, headers.host, headers.allowedOrigins);
}
