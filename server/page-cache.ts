import type { NextFunction, Request, Response } from "express";

/**
 * A shared cache for anonymous page views, in the process: what a CDN would do in front of us,
 * so that an article going viral costs one render every few seconds instead of one per reader.
 * Routes opt in with a standard header — `Cache-Control: public, s-maxage=N[,
 * stale-while-revalidate=M]` — and only requests without cookies and responses without
 * Set-Cookie are stored. Live figures stay current regardless: the page's socket join replaces
 * them with the latest snapshot (docs/decisions/004-anonymous-page-cache.md).
 */
export interface PageCacheOptions {
  /** Upper bound on stored responses; the oldest entries go first. */
  maxEntries?: number;
  /** Requests that may wait for one page's first render; past it they render themselves. */
  maxWaitingPerPage?: number;
  /**
   * True while renders would be refused (server/load-shedding.ts): a stale copy is then served
   * as it is rather than handed to a render that would only answer 503.
   */
  rendersRefused?: () => boolean;
  now?: () => number;
}

interface Entry {
  status: number;
  headers: [string, string | string[]][];
  body: Buffer;
  freshUntil: number;
  staleUntil: number;
  refreshing: boolean;
  /** After a failed refresh, the stale copy is served without trying again until then. */
  nextRefreshAt: number;
}

const REFRESH_RETRY_MS = 1_000;

const DIRECTIVE = /(?:^|,)\s*([a-z-]+)\s*(?:=\s*"?(\d+)"?)?/gi;

export function parseSharedCacheLifetime(cacheControl: string | undefined): { maxAge: number; staleWhileRevalidate: number } | null {
  if (!cacheControl) return null;
  const directives = new Map<string, number | null>();
  for (const match of cacheControl.matchAll(DIRECTIVE)) {
    directives.set(match[1]!.toLowerCase(), match[2] === undefined ? null : Number(match[2]));
  }
  if (directives.has("private") || directives.has("no-store")) return null;
  const maxAge = directives.get("s-maxage");
  if (!directives.has("public") || maxAge == null || maxAge <= 0) return null;
  return { maxAge, staleWhileRevalidate: directives.get("stale-while-revalidate") ?? 0 };
}

/**
 * The encoding the compression middleware will pick for this Accept-Encoding, as it picks for
 * browsers: br when accepted, else gzip, else none. Unusual headers (q-values that rank gzip
 * over br, deflate alone) may be answered otherwise: store() then keeps no copy.
 */
export function expectedEncoding(acceptEncoding: string | undefined): "br" | "gzip" | "identity" {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? "").toLowerCase().split(",")) {
    const [name, ...parameters] = part.split(";").map((piece) => piece.trim());
    const refused = parameters.some((parameter) => /^q=0(\.0*)?$/.test(parameter));
    if (name && !refused) accepted.add(name);
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return "identity";
}

export function createPageCache(options: PageCacheOptions = {}) {
  const maxEntries = options.maxEntries ?? 500;
  const maxWaiting = options.maxWaitingPerPage ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Single flight: while one request renders a page nobody holds, the others for the same key wait
  // for its copy instead of each rendering it (after a restart, every reader of a viral page
  // arrived at an empty cache and rendered it until the first copy was stored, ~35 s under load).
  const rendering = new Map<string, Array<() => void>>();

  function send(res: Response, entry: Entry, state: "HIT" | "STALE") {
    res.status(entry.status);
    for (const [name, value] of entry.headers) res.setHeader(name, value);
    res.setHeader("X-Page-Cache", state);
    res.end(entry.body);
  }

  function capture(key: string, variant: string, res: Response) {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const collect = (chunk: unknown, encoding?: unknown) => {
      if (chunk == null || typeof chunk === "function") return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response["write"];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      store(key, variant, res, Buffer.concat(chunks));
      return end(chunk, ...rest);
    }) as Response["end"];
  }

  function store(key: string, variant: string, res: Response, body: Buffer) {
    const previous = entries.get(key);
    // The compression middleware negotiates on its own: a copy in another encoding than this
    // variant's would reach clients that cannot read it (a br body for a gzip-only client).
    // An uncompressed one (small, or no compression at all) every client reads.
    const encoding = res.getHeader("content-encoding")?.toString() ?? "identity";
    if (encoding !== variant && encoding !== "identity") return;
    const lifetime = parseSharedCacheLifetime(res.getHeader("cache-control")?.toString());
    // A failed refresh (the shedder's 503 past this cache, a database hiccup) says nothing about
    // the page: the stale copy is served on until it expires, as stale-if-error would. Dropping
    // it turned every anonymous view of a viral page into a 503 under load.
    if (res.statusCode >= 500 && previous) {
      previous.refreshing = false;
      previous.nextRefreshAt = now() + REFRESH_RETRY_MS;
      return;
    }
    if (res.statusCode !== 200 || !lifetime || res.getHeader("set-cookie") !== undefined) {
      // The page itself changed (gone, private now): drop the old copy rather than serve it on.
      if (previous) entries.delete(key);
      return;
    }
    const headers = Object.entries(res.getHeaders())
      .filter(([name]) => name !== "x-page-cache")
      .map(([name, value]) => [name, Array.isArray(value) ? value : String(value)] as [string, string | string[]]);
    const storedAt = now();
    entries.delete(key);
    entries.set(key, {
      status: res.statusCode,
      headers,
      body,
      freshUntil: storedAt + lifetime.maxAge * 1000,
      staleUntil: storedAt + (lifetime.maxAge + lifetime.staleWhileRevalidate) * 1000,
      refreshing: false,
      nextRefreshAt: 0,
    });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  }

  function serve(key: string, variant: string, res: Response, next: NextFunction, afterWaiting: boolean) {
    const entry = entries.get(key);
    const at = now();
    if (entry && at < entry.freshUntil) return send(res, entry, "HIT");
    if (entry && at < entry.staleUntil) {
      if (entry.refreshing || at < entry.nextRefreshAt || options.rendersRefused?.()) return send(res, entry, "STALE");
      // This request renders the page anew; everyone else gets the stale copy meanwhile.
      entry.refreshing = true;
      res.on("close", () => (entry.refreshing = false));
    } else if (!afterWaiting) {
      const waiting = rendering.get(key);
      if (waiting && waiting.length < maxWaiting) {
        waiting.push(() => {
          if (!res.destroyed && !res.headersSent) serve(key, variant, res, next, true);
        });
        return;
      }
      if (!waiting) {
        rendering.set(key, []);
        res.on("close", () => {
          const waiters = rendering.get(key) ?? [];
          rendering.delete(key);
          // Stored by now if it could be (capture stores before the response ends); if it could
          // not (an error, a private answer), each waiter renders for itself.
          for (const resume of waiters) resume();
        });
      }
    }
    res.setHeader("X-Page-Cache", "MISS");
    capture(key, variant, res);
    next();
  }

  return {
    middleware(req: Request, res: Response, next: NextFunction) {
      if ((req.method !== "GET" && req.method !== "HEAD") || req.headers.cookie || req.headers.authorization) return next();
      // Compressed and plain bodies are stored apart (compression runs inside this middleware).
      const variant = expectedEncoding(req.headers["accept-encoding"]);
      // The Host is part of the page (the CSP names it for websockets): one host's copy must
      // never be served to another, nor a forged Host poison everyone's.
      const key = `${req.method} ${variant} ${req.headers.host ?? ""} ${req.originalUrl}`;
      serve(key, variant, res, next, false);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    /** Requests waiting for a first render, over all pages. */
    get waiting() {
      let count = 0;
      for (const waiters of rendering.values()) count += waiters.length;
      return count;
    },
  };
}
