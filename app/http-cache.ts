import type { AppLoadContext, HeadersFunction } from "@remix-run/node";

/**
 * Cache-Control for public pages that anonymous readers may share: fresh for a few seconds in
 * shared caches (ours in server/page-cache.ts, or a CDN), never reused by a browser without
 * asking. Live figures arrive over the socket, so a page a few seconds old is still correct once
 * it has joined its questions. `Vary: Cookie` keeps signed-in pages out of shared caches.
 */
export const sharedPageCacheHeaders = {
  "Cache-Control": "public, max-age=0, s-maxage=5, stale-while-revalidate=60",
  Vary: "Cookie",
} as const;

/** A signed-in page names its reader in the header: no shared cache may keep it, whatever it does with Vary. */
export const privatePageHeaders = { "Cache-Control": "private, no-cache", Vary: "Cookie" } as const;

/** For loaders of public pages: shared caching for anonymous readers only. */
export function publicPageHeaders(context: AppLoadContext) {
  return context.auth ? privatePageHeaders : sharedPageCacheHeaders;
}

/** The route's `headers` export for such pages: whatever its loader decided. */
export const headersFromLoader: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

/**
 * For pages whose action sets headers a person's browser must see on the re-rendered form
 * (Retry-After on 429): action headers on top of the loader's.
 */
export const headersFromActionAndLoader: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const merged = new Headers(loaderHeaders);
  actionHeaders.forEach((value, name) => merged.set(name, value));
  return merged;
};
