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
