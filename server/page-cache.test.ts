import type { AddressInfo } from "node:net";
import compression from "compression";
import express from "express";
import { EventEmitter, once } from "node:events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPageCache, expectedEncoding, parseSharedCacheLifetime } from "./page-cache";

describe("parseSharedCacheLifetime", () => {
  it("reads s-maxage and stale-while-revalidate from public responses", () => {
    expect(parseSharedCacheLifetime("public, max-age=0, s-maxage=5, stale-while-revalidate=30")).toEqual({
      maxAge: 5,
      staleWhileRevalidate: 30,
    });
    expect(parseSharedCacheLifetime("public, s-maxage=2")).toEqual({ maxAge: 2, staleWhileRevalidate: 0 });
  });
  it.each([undefined, "", "max-age=60", "public, max-age=60", "private, s-maxage=5", "public, s-maxage=5, no-store", "public, s-maxage=0"])(
    "does not share %s",
    (header) => expect(parseSharedCacheLifetime(header)).toBeNull(),
  );
});

describe("expectedEncoding", () => {
  it.each([
    ["gzip, deflate, br, zstd", "br"],
    ["gzip, deflate", "gzip"],
    ["br;q=0, gzip", "gzip"],
    ["gzip;q=0.0", "identity"],
    ["deflate", "identity"],
    [undefined, "identity"],
    ["BR", "br"],
  ])("%s → %s", (header, expected) => {
    expect(expectedEncoding(header)).toBe(expected);
  });
});

describe("page cache middleware", () => {
  let clock = 0;
  let renders = 0;
  let origin: string;
  const cache = createPageCache({ now: () => clock, maxEntries: 3 });
  const app = express();
  app.use(cache.middleware);
  app.use(compression({ threshold: 0 }));
  app.get("/page/:id", (req, res) => {
    renders += 1;
    res.setHeader("Cache-Control", "public, max-age=0, s-maxage=5, stale-while-revalidate=30");
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    // Written in two chunks, as a streaming render would.
    res.write(`<p>${req.params.id} `);
    res.end(`render ${renders}</p>`);
  });
  // Holds its render until the test opens the gate, to observe requests arriving meanwhile.
  const renderStarted = new EventEmitter();
  let openGate: () => void = () => undefined;
  let heldRenders = 0;
  app.get("/held", async (_req, res) => {
    heldRenders += 1;
    const render = heldRenders;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    renderStarted.emit("started");
    if (render > 1) await gate;
    res.setHeader("Cache-Control", "public, s-maxage=5, stale-while-revalidate=30");
    res.send(`render ${render}`);
  });
  // Holds every render until the test opens the gate: a page nobody has cached yet, under load.
  let coldRenders = 0;
  let openColdGate: () => void = () => undefined;
  const coldGate = new Promise<void>((resolve) => (openColdGate = resolve));
  app.get("/cold/:id", async (req, res) => {
    coldRenders += 1;
    const render = coldRenders;
    renderStarted.emit("cold");
    await coldGate;
    res.setHeader("Cache-Control", req.params.id === "private" ? "private, no-store" : "public, s-maxage=5");
    res.send(`cold render ${render}`);
  });
  app.get("/private", (_req, res) => {
    renders += 1;
    res.setHeader("Cache-Control", "private, max-age=60");
    res.send(`render ${renders}`);
  });
  app.get("/with-cookie", (_req, res) => {
    renders += 1;
    res.setHeader("Cache-Control", "public, s-maxage=5");
    res.cookie("seen", "1").send(`render ${renders}`);
  });
  app.get("/missing", (_req, res) => {
    renders += 1;
    res.setHeader("Cache-Control", "public, s-maxage=5");
    res.status(404).send(`render ${renders}`);
  });
  let server: ReturnType<typeof app.listen>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => (server = app.listen(0, "127.0.0.1", resolve)));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(origin + path, { headers: { "accept-encoding": "identity", ...headers } });
    return { state: response.headers.get("x-page-cache"), body: await response.text(), response };
  };

  it("renders once and replays the page to anonymous readers while it is fresh", async () => {
    clock = 0;
    const first = await get("/page/a");
    const second = await get("/page/a");
    expect(first).toMatchObject({ state: "MISS" });
    expect(second.state).toBe("HIT");
    expect(second.body).toBe(first.body);
    expect(second.response.headers.get("cache-control")).toContain("s-maxage=5");
  });

  it("serves the stale copy while exactly one request renders a fresh one", async () => {
    clock = 0;
    const original = (await get("/page/b")).body;
    clock = 6_000;
    const refresher = await get("/page/b");
    expect(refresher.state).toBe("MISS");
    expect(refresher.body).not.toBe(original);
    expect((await get("/page/b")).body).toBe(refresher.body);
    clock = 6_000 + 36_000;
    expect((await get("/page/b")).state).toBe("MISS");
  });

  it("answers from the stale copy while the refreshing render is still running", async () => {
    clock = 50_000;
    const original = await get("/held");
    clock = 56_000;
    const started = once(renderStarted, "started");
    const refreshing = get("/held");
    await started;
    const meanwhile = await get("/held");
    expect(meanwhile).toMatchObject({ state: "STALE", body: original.body });
    openGate();
    const refreshed = await refreshing;
    expect(refreshed.state).toBe("MISS");
    expect(refreshed.body).not.toBe(original.body);
    expect(await get("/held")).toMatchObject({ state: "HIT", body: refreshed.body });
  });

  it("renders a page nobody holds once for readers arriving together, and hands them that copy", async () => {
    clock = 400_000;
    coldRenders = 0;
    const started = once(renderStarted, "cold");
    const first = get("/cold/a");
    await started;
    const others = Array.from({ length: 19 }, () => get("/cold/a"));
    await vi.waitFor(() => expect(cache.waiting).toBe(19), { interval: 5 });
    openColdGate();
    const answers = await Promise.all([first, ...others]);
    expect(coldRenders).toBe(1);
    expect(new Set(answers.map((answer) => answer.body))).toEqual(new Set(["cold render 1"]));
    expect(answers.map((answer) => answer.state).sort()).toEqual([...Array<string>(19).fill("HIT"), "MISS"]);
    expect(cache.waiting).toBe(0);
  });

  it("lets the waiters render for themselves when the first answer cannot be shared", async () => {
    clock = 410_000;
    coldRenders = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => get("/cold/private")));
    expect(coldRenders).toBe(5);
    expect(answers.every((answer) => answer.state === "MISS")).toBe(true);
  });

  it("never shares responses to or for a signed-in reader, private pages or errors", async () => {
    clock = 100_000;
    await get("/page/c");
    const withCookie = await get("/page/c", { cookie: "session=abc" });
    expect(withCookie.state).toBeNull();
    for (const path of ["/private", "/with-cookie", "/missing"]) {
      const first = await get(path);
      const second = await get(path);
      expect(second.state).toBe("MISS");
      expect(second.body).not.toBe(first.body);
    }
  });

  it("keeps gzip and plain bodies apart", async () => {
    clock = 200_000;
    const gzip = { "accept-encoding": "gzip" };
    const first = await get("/page/d", gzip);
    const again = await get("/page/d", gzip);
    // fetch decompresses transparently; the header shows what travelled.
    expect(again.state).toBe("HIT");
    expect(again.response.headers.get("content-encoding")).toBe("gzip");
    expect(again.body).toBe(first.body);
    const plain = await get("/page/d");
    expect(plain.state).toBe("MISS");
    expect(plain.response.headers.get("content-encoding")).toBeNull();
  });

  it("keeps br, gzip and plain bodies apart: a gzip-only client never gets a browser's br copy", async () => {
    clock = 250_000;
    const browser = { "accept-encoding": "gzip, deflate, br, zstd" };
    const gzipOnly = { "accept-encoding": "gzip" };
    expect((await get("/page/e", browser)).response.headers.get("content-encoding")).toBe("br");
    const cachedForBrowser = await get("/page/e", browser);
    expect([cachedForBrowser.state, cachedForBrowser.response.headers.get("content-encoding")]).toEqual(["HIT", "br"]);
    const forGzipOnly = await get("/page/e", gzipOnly);
    expect([forGzipOnly.state, forGzipOnly.response.headers.get("content-encoding")]).toEqual(["MISS", "gzip"]);
    const againGzipOnly = await get("/page/e", gzipOnly);
    expect([againGzipOnly.state, againGzipOnly.response.headers.get("content-encoding")]).toEqual(["HIT", "gzip"]);
  });

  it("stores no copy when the compression middleware chose another encoding than expected", async () => {
    clock = 260_000;
    // deflate alone: compressed as deflate, which no variant holds.
    const deflate = { "accept-encoding": "deflate" };
    const first = await get("/page/f", deflate);
    const second = await get("/page/f", deflate);
    expect(first.response.headers.get("content-encoding")).toBe("deflate");
    expect(second.state).toBe("MISS");
    expect(second.body).not.toBe(first.body);
  });

  it("holds at most maxEntries pages", async () => {
    clock = 300_000;
    for (const id of ["e", "f", "g", "h", "i"]) await get(`/page/${id}`);
    expect(cache.size).toBeLessThanOrEqual(3);
  });
});

/** One page behind `cache`, rendered by `render`, on a server of its own. */
async function servePage(cache: ReturnType<typeof createPageCache>, render: (res: express.Response) => void) {
  const app = express();
  app.use(cache.middleware);
  app.get("/page", (_req, res) => render(res));
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const get = async () => {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page`);
    return { status: response.status, state: response.headers.get("x-page-cache"), body: await response.text() };
  };
  return { server, get };
}

describe("page cache under load shedding", () => {
  it("serves a stale copy as it is while renders are being refused, and refreshes once they are not", async () => {
    let clock = 0;
    let refusing = false;
    let renders = 0;
    const { server, get: getWithStatus } = await servePage(createPageCache({ now: () => clock, rendersRefused: () => refusing }), (res) => {
      renders += 1;
      res.setHeader("Cache-Control", "public, s-maxage=5, stale-while-revalidate=60");
      res.send(`render ${renders}`);
    });
    const get = async () => {
      const { state, body } = await getWithStatus();
      return { state, body };
    };
    try {
      expect(await get()).toEqual({ state: "MISS", body: "render 1" });
      clock = 10_000;
      refusing = true;
      expect(await get()).toEqual({ state: "STALE", body: "render 1" });
      expect(await get()).toEqual({ state: "STALE", body: "render 1" });
      expect(renders).toBe(1);
      refusing = false;
      expect(await get()).toEqual({ state: "MISS", body: "render 2" });
    } finally {
      server.close();
    }
  });

  it("keeps the stale copy when a refresh is refused with a 503, and retries the render a second later", async () => {
    let clock = 0;
    let failing = false;
    let renders = 0;
    const { server, get } = await servePage(createPageCache({ now: () => clock }), (res) => {
      renders += 1;
      // As the shedder answers when the loop's delay crossed the line after the cache asked.
      if (failing) return void res.status(503).setHeader("Retry-After", "1").send("busy");
      res.setHeader("Cache-Control", "public, s-maxage=5, stale-while-revalidate=60");
      res.send(`render ${renders}`);
    });
    try {
      expect(await get()).toEqual({ status: 200, state: "MISS", body: "render 1" });
      clock = 10_000;
      failing = true;
      expect(await get()).toEqual({ status: 503, state: "MISS", body: "busy" });
      expect(await get()).toEqual({ status: 200, state: "STALE", body: "render 1" });
      expect(renders).toBe(2);
      clock += 1_000;
      failing = false;
      expect(await get()).toEqual({ status: 200, state: "MISS", body: "render 3" });
      expect(await get()).toEqual({ status: 200, state: "HIT", body: "render 3" });
    } finally {
      server.close();
    }
  });
});
