import { existsSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { seedDatabase } from "../prisma/seeding";
import { createCrowdlineServer, type CrowdlineServer } from "./app";
import { securityHeaders } from "./security-headers";

/** The policy as a map from directive name to its sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  expect(header, "Content-Security-Policy header").toBeTruthy();
  const directives = new Map<string, string[]>();
  for (const directive of (header as string).split(";")) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name) directives.set(name, sources);
  }
  return directives;
}

const nonceInPolicy = (policy: Map<string, string[]>) =>
  policy.get("script-src")?.map((source) => /^'nonce-(.+)'$/.exec(source)?.[1]).find(Boolean);

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function echoApp(mode: "development" | "production" | "test") {
  const app = express();
  app.use(securityHeaders({ mode }));
  app.get("/", (_req, res) => {
    res.json({ nonce: res.locals.cspNonce });
  });
  return app;
}

describe("securityHeaders in production", () => {
  let server: Server;
  let origin: string;
  let port: number;

  beforeAll(async () => {
    server = createServer(echoApp("production"));
    origin = await listen(server);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("allows only the app's own scripts and the nonce it hands to Remix", async () => {
    const response = await fetch(origin);
    const { nonce } = (await response.json()) as { nonce: string };
    expect(Buffer.from(nonce, "base64")).toHaveLength(16);

    const header = response.headers.get("content-security-policy");
    expect(header).toContain(`script-src 'self' 'nonce-${nonce}'`);
    const policy = parseCsp(header);
    expect(policy.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(policy.get("script-src")).not.toContain("'unsafe-inline'");
    expect(policy.get("script-src-attr")).toEqual(["'none'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'self'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'self'"]);
    expect(policy.get("img-src")).toEqual(["'self'", "data:"]);
    expect(policy.has("upgrade-insecure-requests")).toBe(false);
  });

  it("lets the page open websockets to its own host, and only there", async () => {
    const policy = parseCsp((await fetch(origin)).headers.get("content-security-policy"));
    expect(policy.get("connect-src")).toEqual(["'self'", `ws://127.0.0.1:${port}`, `wss://127.0.0.1:${port}`]);
  });

  it("sends nosniff, the referrer policy and same-origin framing and opener", async () => {
    const { headers } = await fetch(origin);
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(headers.get("cross-origin-embedder-policy")).toBeNull();
    expect(headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });

  it("gives every response a fresh nonce", async () => {
    const [first, second] = await Promise.all([fetch(origin), fetch(origin)]);
    const nonces = [nonceInPolicy(parseCsp(first!.headers.get("content-security-policy"))), nonceInPolicy(parseCsp(second!.headers.get("content-security-policy")))];
    expect(nonces[0]).toBeTruthy();
    expect(nonces[1]).toBeTruthy();
    expect(nonces[0]).not.toBe(nonces[1]);
    expect((await first!.json()).nonce).toBe(nonces[0]);
    expect((await second!.json()).nonce).toBe(nonces[1]);
  });

  it("keeps a forged Host header out of the policy", async () => {
    // fetch() will not send a made-up Host, so this goes through node:http.
    const header = await new Promise<string | undefined>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/", headers: { host: "evil.example script-src *" } }, (res) => {
        res.resume();
        resolve(res.headers["content-security-policy"] as string | undefined);
      });
      req.once("error", reject);
      req.end();
    });
    const policy = parseCsp(header ?? null);
    expect(header).not.toContain("evil");
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("script-src")).toHaveLength(2);
  });
});

describe("securityHeaders in development", () => {
  it("also allows Remix's LiveReload socket on its own port", async () => {
    const server = createServer(echoApp("development"));
    try {
      const origin = await listen(server);
      const { port } = server.address() as AddressInfo;
      const policy = parseCsp((await fetch(origin)).headers.get("content-security-policy"));
      expect(policy.get("connect-src")).toEqual(["'self'", `ws://127.0.0.1:${port}`, `wss://127.0.0.1:${port}`, "ws:"]);
      expect(policy.get("script-src")).not.toContain("'unsafe-inline'");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

const remixBuildPath = path.join(projectRoot, "build/index.js");

describe.skipIf(!existsSync(remixBuildPath))("the rendered app", () => {
  let crowdline: CrowdlineServer;
  let origin: string;

  beforeAll(async () => {
    await seedDatabase(getDb());
    // Imported by URL so that TypeScript does not pull the generated bundle into type checking.
    const remixBuild = (await import(pathToFileURL(remixBuildPath).href)) as ServerBuild;
    crowdline = await createCrowdlineServer({ db: getDb(), logger: pino({ level: "silent" }), allowedOrigins: [], mode: "test", remixBuild });
    origin = await listen(crowdline.httpServer);
  });
  afterAll(() => crowdline?.close());

  async function scriptsAndNonce(response: Response) {
    expect(response.status).toBe(200);
    const nonce = nonceInPolicy(parseCsp(response.headers.get("content-security-policy")));
    const html = await response.text();
    return { nonce, scripts: html.match(/<script\b[^>]*>/g) ?? [] };
  }

  it("puts the policy's nonce on every script tag of a page", async () => {
    const { nonce, scripts } = await scriptsAndNonce(await fetch(`${origin}/articles/open-vs-closed-ai-2026`));
    expect(nonce).toBeTruthy();
    // Remix's context, the route modules' import and the single-fetch stream at least.
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const script of scripts) expect(script).toContain(` nonce="${nonce}"`);
  });

  it("replays a cached page with the policy whose nonce its scripts carry", async () => {
    // The article opts into the shared page cache: the second answer is a stored copy of the first.
    await (await fetch(`${origin}/articles/open-vs-closed-ai-2026`)).text();
    const response = await fetch(`${origin}/articles/open-vs-closed-ai-2026`);
    expect(response.headers.get("x-page-cache")).toMatch(/HIT|STALE/);
    const { nonce, scripts } = await scriptsAndNonce(response);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const script of scripts) expect(script).toContain(` nonce="${nonce}"`);
  });
});
