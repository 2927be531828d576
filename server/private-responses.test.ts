// Every response that depends on the session is private, and the anonymous page cache never
// stores or serves one (server/private-responses.ts, docs/decisions/004). The routes are read
// from app/routes, so a new route is covered the day it is added: through the real server, the
// real Remix build and a signed-in admin, who may open every page.
import { existsSync, readdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookieSettings } from "~/auth/session.server";
import { getDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { seedDatabase } from "../prisma/seeding";
import type { CrowdlineServer } from "./app";
import { createPageCache } from "./page-cache";
import { isPrivateEnough, privateResponses } from "./private-responses";
import { signUp, startServer } from "./realtime-testing";

const routesDir = path.join(projectRoot, "app/routes");

interface RouteFile {
  /** Remix's route id: `routes/` and the file (or folder) name without extension. */
  id: string;
  /** The URL pattern, `:name` for parameters and `*` for the splat. */
  pattern: string;
}

/**
 * The URL a flat route file answers (Remix v2 convention): `.` separates segments unless inside
 * `[]`, `$name` is a parameter, `$` the splat, `_index` the index, a leading `_` a pathless layout
 * and a trailing `_` leaves its parent's layout without changing the URL.
 */
function patternOf(name: string): string {
  const segments: { text: string; escapedStart: boolean; escapedEnd: boolean }[] = [];
  let current = { text: "", escapedStart: false, escapedEnd: false };
  let inBrackets = false;
  for (const char of name) {
    if (char === "[" && !inBrackets) inBrackets = true;
    else if (char === "]" && inBrackets) inBrackets = false;
    else if (char === "." && !inBrackets) {
      segments.push(current);
      current = { text: "", escapedStart: false, escapedEnd: false };
    } else {
      if (current.text === "") current.escapedStart = inBrackets;
      current.text += char;
      current.escapedEnd = inBrackets;
    }
  }
  segments.push(current);
  const parts: string[] = [];
  for (const { text, escapedStart, escapedEnd } of segments) {
    if (text === "_index" && !escapedStart) continue;
    if (text.startsWith("_") && !escapedStart) continue;
    if (/[()]/.test(text)) throw new Error(`route ${name}: optional segments are not handled here; extend patternOf`);
    const segment = text.endsWith("_") && !escapedEnd ? text.slice(0, -1) : text;
    if (segment === "$" && !escapedStart) parts.push("*");
    else if (segment.startsWith("$") && !escapedStart) parts.push(`:${segment.slice(1)}`);
    else parts.push(segment);
  }
  return `/${parts.join("/")}`;
}

function routeFiles(): RouteFile[] {
  const files: RouteFile[] = [];
  for (const entry of readdirSync(routesDir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) {
      const isRoute = ["route.tsx", "route.ts", "route.jsx", "route.js"].some((file) => existsSync(path.join(routesDir, entry.name, file)));
      if (isRoute) files.push({ id: `routes/${entry.name}`, pattern: patternOf(entry.name) });
      continue;
    }
    const match = /^(.+)\.(tsx|ts|jsx|js)$/.exec(entry.name);
    if (!match || /\.test$/.test(match[1]!)) continue;
    files.push({ id: `routes/${match[1]}`, pattern: patternOf(match[1]!) });
  }
  return files.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** A route's full path as the build nests it. */
function builtPattern(build: ServerBuild, id: string): string {
  const parts: string[] = [];
  for (let route = build.routes[id]; route && route.id !== "root"; route = route.parentId ? build.routes[route.parentId] : undefined) {
    if (route.path) parts.unshift(route.path);
  }
  return `/${parts.join("/")}`;
}

interface Fixtures {
  articleSlug: string;
  articleId: string;
  questionId: string;
  profileUsername: string;
}

/** How each parameter name is filled from the seeded database. A new name must be added here. */
const PARAMETERS: Record<string, (fixtures: Fixtures) => string> = {
  slug: (fixtures) => fixtures.articleSlug,
  articleId: (fixtures) => fixtures.articleId,
  id: (fixtures) => fixtures.questionId,
  questionId: (fixtures) => fixtures.questionId,
  username: (fixtures) => fixtures.profileUsername,
  "*": () => "no/such/page",
};

const parametersOf = (pattern: string) => [...pattern.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((match) => match[1] ?? "*");

function fill(pattern: string, fixtures: Fixtures): string {
  return pattern.replace(/:([A-Za-z0-9_]+)|\*/g, (_whole, name: string | undefined) => {
    const source = PARAMETERS[name ?? "*"];
    if (!source) throw new Error(`route ${pattern}: no fixture for the parameter "${name ?? "*"}"; add one to PARAMETERS in server/private-responses.test.ts`);
    return encodeURIComponent(source(fixtures)).replaceAll("%2F", "/");
  });
}

/** What an admin gets where it is not the page itself. */
const SIGNED_IN_STATUS: Record<string, number> = { "/login": 302, "/signup": 302, "/logout": 302, "/*": 404 };

const ROUTES = routeFiles();
const remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;

let server: CrowdlineServer;
let origin: string;
let fixtures: Fixtures;
let admin: { username: string; cookie: string };

beforeAll(async () => {
  await seedDatabase(getDb());
  ({ server, origin } = await startServer({ remixBuild }));

  const article = await getDb().article.findUniqueOrThrow({
    where: { slug: openVsClosedAi2026.slug },
    include: { questions: { orderBy: { position: "asc" } }, author: true },
  });
  fixtures = { articleSlug: article.slug, articleId: article.id, questionId: article.questions[0]!.id, profileUsername: article.author.username };

  const { username, cookie } = await signUp(origin);
  // Before the session is first looked up (and cached), so that it is read as an admin.
  await getDb().user.update({ where: { username }, data: { role: "admin" } });
  admin = { username, cookie };
});

afterAll(() => server?.close());

const get = async (url: string, cookie?: string) => {
  const response = await fetch(`${origin}${url}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: "manual" });
  return { response, body: await response.text() };
};

const varies = (response: Response) => (response.headers.get("vary") ?? "").split(",").map((field) => field.trim().toLowerCase());

function expectPrivate(response: Response, url: string) {
  const cacheControl = response.headers.get("cache-control");
  expect(isPrivateEnough(cacheControl ?? undefined), `${url}: Cache-Control ${cacheControl}`).toBe(true);
  expect(varies(response), `${url}: Vary`).toContain("cookie");
  expect(response.headers.get("x-page-cache") ?? "none", `${url}: X-Page-Cache`).not.toMatch(/HIT|STALE/);
}

describe("the route list", () => {
  it("is read from app/routes and agrees with the build both ways", () => {
    expect(ROUTES.map((route) => route.pattern)).toEqual(expect.arrayContaining(["/", "/settings", "/admin/users", "/api/questions/:id", "/*"]));
    const stale = "the Remix build does not match app/routes: run `npm run build`";
    for (const route of ROUTES) {
      expect(remixBuild.routes[route.id], `${route.id}: ${stale}`).toBeDefined();
      expect(builtPattern(remixBuild, route.id), `${route.id}: patternOf disagrees with the build`).toBe(route.pattern);
    }
    const built = Object.keys(remixBuild.routes).filter((id) => id !== "root");
    expect(built.sort(), stale).toEqual(ROUTES.map((route) => route.id).sort());
  });

  it("has a fixture for every route parameter", () => {
    const missing = ROUTES.flatMap((route) => parametersOf(route.pattern).filter((name) => !(name in PARAMETERS)).map((name) => `${route.id}: "${name}"`));
    expect(missing, "add these parameters to PARAMETERS in server/private-responses.test.ts").toEqual([]);
  });
});

describe.each(ROUTES)("$pattern", ({ id, pattern }) => {
  const module = remixBuild.routes[id]?.module;
  // A page's client navigations fetch its loaders' data as `<path>.data` (`/_root.data` for "/").
  const isPage = typeof module?.default === "function";

  it("is private to a signed-in reader and never shared with anyone else", async () => {
    const url = fill(pattern, fixtures);
    const urls = isPage ? [url, url === "/" ? "/_root.data" : `${url}.data`] : [url];
    for (const target of urls) {
      // An anonymous copy first, which the page cache may keep; the signed-in request must not get it.
      const anonymousFirst = await get(target);
      expect(varies(anonymousFirst.response), `${target}: Vary`).toContain("cookie");

      const signedIn = await get(target, admin.cookie);
      if (target === url) expect(signedIn.response.status, `${target} as an admin`).toBe(SIGNED_IN_STATUS[pattern] ?? 200);
      else expect(signedIn.response.status, `${target} as an admin`).toBeLessThan(500);
      expectPrivate(signedIn.response, target);
      const isHtmlPage = target === url && signedIn.response.status === 200 && signedIn.response.headers.get("content-type")?.startsWith("text/html");
      // Shows the stored anonymous copies could not have been served to the admin (and that the
      // check below looks for something a signed-in render does contain).
      if (isHtmlPage) expect(signedIn.body, `${target}: the admin's page names the admin`).toContain(admin.username);

      // And nothing of the admin's render reaches anyone else, from the page cache or otherwise.
      const anonymousAfter = await get(target);
      expect(anonymousAfter.body, `${target}: anonymous copy`).not.toContain(admin.username);
      expect(anonymousFirst.body, `${target}: anonymous copy`).not.toContain(admin.username);
      if (/\bpublic\b/.test(anonymousFirst.response.headers.get("cache-control") ?? "") && anonymousFirst.response.status === 200) {
        // A shared anonymous page is still replayed to anonymous readers: Vary: Cookie did not cost us the cache.
        expect(anonymousAfter.response.headers.get("x-page-cache"), `${target}: anonymous replay`).toMatch(/HIT|STALE/);
      }
    }
  });
});

describe("privateResponses with the page cache in front", () => {
  const settings = sessionCookieSettings("test");
  let appOrigin: string;
  let renders = 0;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = express();
    const cache = createPageCache();
    app.use(cache.middleware);
    app.use(privateResponses(settings));
    // A route that forgot it is per-reader: public, and its headers handed straight to writeHead.
    app.get("/careless", (req, res) => {
      renders += 1;
      res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "public, max-age=0, s-maxage=60", Vary: "Accept-Encoding" });
      res.end(`render ${renders} for ${req.headers.cookie ?? "nobody"}`);
    });
    app.get("/revalidated", (_req, res) => {
      res.setHeader("Cache-Control", "private, no-cache");
      res.send("signed-in page");
    });
    const listening = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => listening.once("listening", resolve));
    appOrigin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => listening.close(() => resolve()));
  });
  afterAll(() => close?.());

  const request = (url: string, cookie?: string) => fetch(`${appOrigin}${url}`, { headers: cookie ? { Cookie: cookie } : {} });

  it("overrides a public Cache-Control for a request with the session cookie, and keeps the anonymous copy out of its reach", async () => {
    const anonymous = await request("/careless");
    expect(anonymous.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=60");
    expect(varies(anonymous)).toEqual(expect.arrayContaining(["accept-encoding", "cookie"]));
    expect(await anonymous.text()).toBe("render 1 for nobody");
    expect((await request("/careless")).headers.get("x-page-cache")).toBe("HIT");

    const signedIn = await request("/careless", `${settings.name}=some-token; theme=dark`);
    expect(signedIn.headers.get("cache-control")).toBe("private, no-store");
    expect(signedIn.headers.get("x-page-cache")).toBeNull();
    expect(await signedIn.text()).toBe(`render 2 for ${settings.name}=some-token; theme=dark`);
    // Another cookie is no session: that answer may stay public (the cache still keeps it out).
    expect((await request("/careless", "theme=dark")).headers.get("cache-control")).toBe("public, max-age=0, s-maxage=60");
  });

  it("keeps a route's own private, no-cache for signed-in pages", async () => {
    const response = await request("/revalidated", `${settings.name}=some-token`);
    expect(response.headers.get("cache-control")).toBe("private, no-cache");
    expect(varies(response)).toContain("cookie");
  });

  it("isPrivateEnough accepts only what no shared cache may keep and no browser reuses unasked", () => {
    for (const value of ["private, no-store", "private, no-cache", "no-store, private", "PRIVATE, NO-STORE, max-age=0"]) expect(isPrivateEnough(value), value).toBe(true);
    for (const value of [undefined, "", "no-store", "private", "private, max-age=60", "public, s-maxage=5", "private, no-store, public", "private, no-cache, s-maxage=5"]) {
      expect(isPrivateEnough(value), String(value)).toBe(false);
    }
  });
});
