// The shedder on a real Express server in this process: blocking the process's own event loop is
// what overload looks like from inside, and it can be done exactly.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { seedDatabase } from "../prisma/seeding";
import { createCrowdlineServer } from "./app";
import { createLoadShedder, type LoadShedder } from "./load-shedding";

let server: Server | undefined;
let shedder: LoadShedder | undefined;

afterEach(async () => {
  shedder?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function start(options: Parameters<typeof createLoadShedder>[0] = {}) {
  shedder = createLoadShedder(options);
  const app = express();
  app.get("/healthz", (_req, res) => res.send("ok"));
  app.use(shedder.middleware);
  app.all("/page", (_req, res) => res.send("rendered"));
  server = createServer(app);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What one slow task does to the one thread. */
function blockEventLoop(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else may run
  }
}

/** What a run of back-to-back renders does: slow tasks with the loop turning between them. */
async function overload(ms: number) {
  blockEventLoop(ms);
  // Back to the loop's timers: the overdue sampler runs (and records its lateness) before a timer
  // set now can.
  await new Promise((resolve) => setTimeout(resolve, 0));
  blockEventLoop(ms);
}

describe("load shedding by event-loop delay", () => {
  it("serves normally while the loop keeps up", async () => {
    const origin = await start();
    const response = await fetch(`${origin}/page`);
    expect(response.status).toBe(200);
    expect(shedder!.refused).toBe(0);
  });

  it("refuses nobody for one slow task (a cold render, a GC pause)", async () => {
    const origin = await start({ maxReadDelayMs: 250 });
    blockEventLoop(600);
    expect((await fetch(`${origin}/page`)).status).toBe(200);
    expect(shedder!.refused).toBe(0);
  });

  it("refuses a render at once with 503 and Retry-After while the loop is behind, then serves again", async () => {
    // A window long enough that the requests below arrive inside it however busy the machine is.
    const origin = await start({ maxReadDelayMs: 100, maxWriteDelayMs: 1_000, windowMs: 2_000 });
    await overload(300);
    const refused = await fetch(`${origin}/page`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(await refused.text()).toMatch(/try again/);
    // Routes ahead of the shedder (health probes; cached pages in the app) are never refused.
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);

    await vi.waitFor(() => expect(shedder!.delayMs).toBeLessThan(100), { timeout: 15_000, interval: 50 });
    expect((await fetch(`${origin}/page`)).status).toBe(200);
  });

  it("lets writes through at a delay that already refuses reads", async () => {
    const origin = await start({ maxReadDelayMs: 100, maxWriteDelayMs: 5_000, windowMs: 2_000 });
    await overload(300);
    const [read, write] = await Promise.all([fetch(`${origin}/page`), fetch(`${origin}/page`, { method: "POST" })]);
    expect(read.status).toBe(503);
    expect(write.status).toBe(200);
  });
});

describe("load shedding in the Crowdline server", () => {
  it("refuses renders while cached pages, static files and the health probe still answer", async () => {
    await seedDatabase(getDb());
    const remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;
    const crowdline = await createCrowdlineServer({
      db: getDb(),
      logger: pino({ level: "silent" }),
      allowedOrigins: [],
      mode: "production",
      remixBuild,
      loadShedding: { maxReadDelayMs: 100, maxWriteDelayMs: 100, windowMs: 5_000 },
    });
    await new Promise<void>((resolve) => crowdline.httpServer.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(crowdline.httpServer.address() as AddressInfo).port}`;
    const article = `${origin}/articles/open-vs-closed-ai-2026`;
    const shedder = crowdline.loadShedder!;
    try {
      // Start-up (importing the build, seeding) may itself have run the loop late on a busy machine.
      await vi.waitFor(() => expect(shedder.rendersRefused()).toBe(false), { timeout: 15_000, interval: 50 });
      const warm = await fetch(article);
      expect(warm.status).toBe(200);
      expect(warm.headers.get("x-page-cache")).toBe("MISS");
      await overload(300);
      expect(shedder.rendersRefused()).toBe(true);
      const [cached, render, write, favicon, health] = await Promise.all([
        fetch(article),
        // Any cookie passes the page cache by, so this one must be rendered.
        fetch(article, { headers: { cookie: "seen=1" } }),
        fetch(`${origin}/login`, { method: "POST", headers: { Origin: origin }, body: new URLSearchParams({ identifier: "x", password: "y" }) }),
        fetch(`${origin}/favicon.svg`),
        fetch(`${origin}/healthz`),
      ]);
      // A copy older than its 5 s (a slow machine) is served stale rather than re-rendered.
      expect(["HIT", "STALE"]).toContain(cached.headers.get("x-page-cache"));
      expect(cached.status).toBe(200);
      expect(render.status).toBe(503);
      expect(render.headers.get("retry-after")).toBe("2");
      expect(write.status).toBe(503);
      expect(favicon.status).toBe(200);
      expect(health.status).toBe(200);
    } finally {
      await crowdline.close();
    }
  });
});
