// Accounts through the real server and the real Remix build: what a browser (or an attacker's
// page, or a bot) sends, and what it gets back. Unit tests of the pieces live beside them.
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { seedDatabase } from "../prisma/seeding";
import { redisSkipReason } from "../test/test-database";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

const servers: CrowdlineServer[] = [];
let remixBuild: ServerBuild;

async function start(authAttemptsPerMinute: number, shared: { redisUrl?: string; trustProxy?: boolean } = {}) {
  const server = await createCrowdlineServer({
    db: getDb(),
    logger: pino({ level: "silent" }),
    allowedOrigins: [],
    mode: "test",
    remixBuild,
    authAttemptsPerMinute,
    ...shared,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
}

let origin: string;
let limitedOrigin: string;

beforeAll(async () => {
  remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;
  await seedDatabase(getDb());
  // Most tests send far more than 10 attempts a minute from one address; one server keeps the real limit.
  origin = await start(10_000);
  limitedOrigin = await start(10);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

// Unique across runs too: Redis keeps rate-limit counts for a minute after a run ends.
const runId = Math.random().toString(36).slice(2, 7);
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}_${runId}${++counter}`;

function post(
  path: string,
  fields: Record<string, string>,
  options: { origin?: string | null; cookie?: string; base?: string; referer?: string; forwardedFor?: string } = {},
) {
  const base = options.base ?? origin;
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (options.forwardedFor) headers["X-Forwarded-For"] = options.forwardedFor;
  if (options.origin !== null) headers.Origin = options.origin ?? base;
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.referer) headers.Referer = options.referer;
  return fetch(`${base}${path}`, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

function sessionCookieOf(response: Response): string | null {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("session="));
  return cookie ? cookie.split(";")[0]! : null;
}

async function signUp(username = uniqueName("reader")) {
  const password = `pw-${username}-long`;
  const response = await post("/signup", { username, email: `${username}@example.com`, password });
  expect(response.status).toBe(302);
  return { username, password, cookie: sessionCookieOf(response)! };
}

const userCount = () => getDb().user.count();

describe("Origin check on every mutation", () => {
  it("refuses a cross-origin POST with 403 before any work is done", async () => {
    const before = await userCount();
    const username = uniqueName("csrf");
    const response = await post("/signup", { username, email: `${username}@example.com`, password: "long enough pw" }, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/did not come from a Crowdline page/);
    expect(await userCount()).toBe(before);
  });

  it("refuses a POST that carries neither Origin nor Referer", async () => {
    const response = await post("/login", { identifier: "x", password: "y" }, { origin: null });
    expect(response.status).toBe(403);
  });

  it("falls back to the Referer when the Origin is missing", async () => {
    const sameSite = await post("/login", { identifier: "", password: "" }, { origin: null, referer: `${origin}/login` });
    expect(sameSite.status).toBe(422);
    const foreign = await post("/login", { identifier: "", password: "" }, { origin: null, referer: "https://evil.example/login" });
    expect(foreign.status).toBe(403);
  });

  it("refuses a cross-origin log-out, which would otherwise end someone's session", async () => {
    const { cookie } = await signUp();
    const response = await post("/logout", {}, { cookie, origin: "https://evil.example" });
    expect(response.status).toBe(403);
    const sessions = await getDb().session.count({ where: { id: createHash("sha256").update(cookie.split("=")[1]!).digest("hex") } });
    expect(sessions).toBe(1);
  });
});

describe("sign-up, log-in and log-out", () => {
  it("signs up, sets an HttpOnly SameSite=Lax cookie, and stores only the token's SHA-256", async () => {
    const username = uniqueName("alice");
    const response = await post("/signup", { username, email: `${username}@example.com`, password: "a long password" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    const setCookie = response.headers.getSetCookie().find((value) => value.startsWith("session="))!;
    expect(setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000/);
    const token = setCookie.split(";")[0]!.split("=")[1]!;
    const user = await getDb().user.findUniqueOrThrow({ where: { username }, include: { sessions: true } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user.sessions.map((session) => session.id)).toEqual([createHash("sha256").update(token).digest("hex")]);
  });

  it("shows the signed-in user in the header, on a page no shared cache may keep", async () => {
    const { username, cookie } = await signUp();
    const response = await fetch(`${origin}/`, { headers: { Cookie: cookie } });
    expect(response.headers.get("cache-control")).toBe("private, no-cache");
    const html = await response.text();
    expect(html).toContain(username);
    expect(html).toContain("Log out");
  });

  it("issues a new token on every login and ends the session the browser held before", async () => {
    const { username, password, cookie: first } = await signUp();
    const login = await post("/login", { identifier: username.toUpperCase(), password, redirectTo: "/articles/open-vs-closed-ai-2026" }, { cookie: first });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toBe("/articles/open-vs-closed-ai-2026");
    const second = sessionCookieOf(login)!;
    expect(second).not.toBe(first);
    const user = await getDb().user.findUniqueOrThrow({ where: { username }, include: { sessions: true } });
    expect(user.sessions).toHaveLength(1);
    expect(user.sessions[0]!.id).toBe(createHash("sha256").update(second.split("=")[1]!).digest("hex"));
  });

  it("logs in by email and never redirects off-site", async () => {
    const { username, password } = await signUp();
    const login = await post("/login", { identifier: `${username}@example.com`, password, redirectTo: "//evil.example/" });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toBe("/");
  });

  it("says the same thing, with the same status, for an unknown user and a wrong password", async () => {
    const { username } = await signUp();
    const unknown = await post("/login", { identifier: "nobody_here_at_all", password: "whatever-it-is" });
    const wrong = await post("/login", { identifier: username, password: "not the password" });
    expect(unknown.status).toBe(400);
    expect(wrong.status).toBe(400);
    const message = "That username or email and password do not match an account.";
    expect(await unknown.text()).toContain(message);
    expect(await wrong.text()).toContain(message);
  });

  it("does not let the seed author (no password) log in", async () => {
    const response = await post("/login", { identifier: "crowdline_analyst", password: "!" });
    expect(response.status).toBe(400);
  });

  it("logs out by deleting the session row and clearing the cookie", async () => {
    const { cookie } = await signUp();
    const response = await post("/logout", {}, { cookie });
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().some((value) => value.startsWith("session=;") && value.includes("Max-Age=0"))).toBe(true);
    const id = createHash("sha256").update(cookie.split("=")[1]!).digest("hex");
    expect(await getDb().session.findUnique({ where: { id } })).toBeNull();
    const after = await fetch(`${origin}/settings`, { headers: { Cookie: cookie }, redirect: "manual" });
    expect(after.status).toBe(302);
    expect(after.headers.get("location")).toBe("/login?redirectTo=%2Fsettings");
  });

  it("clears a cookie whose session has expired", async () => {
    const { cookie } = await signUp();
    const id = createHash("sha256").update(cookie.split("=")[1]!).digest("hex");
    await getDb().session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await fetch(`${origin}/`, { headers: { Cookie: cookie } });
    expect(response.headers.getSetCookie().some((value) => value.startsWith("session=;"))).toBe(true);
    expect(await response.text()).toContain("Log in");
    expect(await getDb().session.findUnique({ where: { id } })).toBeNull();
  });
});

describe("sliding expiry", () => {
  it("extends a session used more than a day after its last extension, and re-sends the cookie", async () => {
    const { cookie } = await signUp();
    const token = cookie.split("=")[1]!;
    const id = createHash("sha256").update(token).digest("hex");
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await getDb().session.update({ where: { id }, data: { lastSeenAt: twoDaysAgo, expiresAt: new Date(twoDaysAgo.getTime() + 30 * 24 * 60 * 60 * 1000) } });

    const response = await fetch(`${origin}/`, { headers: { Cookie: cookie } });
    const resent = response.headers.getSetCookie().find((value) => value.startsWith(`session=${token};`));
    expect(resent).toMatch(/Max-Age=259(1|2)\d{3}/);
    const session = await getDb().session.findUniqueOrThrow({ where: { id } });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 60 * 60 * 1000);

    const again = await fetch(`${origin}/`, { headers: { Cookie: cookie } });
    expect(again.headers.getSetCookie().some((value) => value.startsWith("session="))).toBe(false);
  });
});

describe("bad input never becomes a 500 or a half-written row", () => {
  const valid = () => {
    const username = uniqueName("bad");
    return { username, email: `${username}@example.com`, password: "a long password" };
  };
  const cases: Array<[string, (fields: Record<string, string>) => Record<string, string>, RegExp]> = [
    ["a missing username", ({ username: _username, ...rest }) => rest, /Username is required/],
    ["a missing email", ({ email: _email, ...rest }) => rest, /Email is required/],
    ["a missing password", ({ password: _password, ...rest }) => rest, /Password is required/],
    ["a 10 KB username", (fields) => ({ ...fields, username: "a".repeat(10_240) }), /at most 30 characters/],
    ["a look-alike username (Cyrillic а)", (fields) => ({ ...fields, username: "\u0430dmin_x" }), /only letters a–z/],
    ["SQL in the username", (fields) => ({ ...fields, username: "x' OR 1=1 --" }), /only letters a–z/],
    ["HTML in the username", (fields) => ({ ...fields, username: "<script>alert(1)</script>" }), /at most 30 characters|only letters a–z/],
    ["HTML in the email", (fields) => ({ ...fields, email: "<img src=x onerror=alert(1)>@x.com" }), /Enter an email address/],
    ["a short password", (fields) => ({ ...fields, password: "short" }), /at least 10 characters/],
    ["a password equal to the username", (fields) => ({ ...fields, password: `${fields.username}` + "" }), /not your username or email|at least 10/],
  ];

  for (const [name, mutate, message] of cases) {
    it(`answers ${name} with 422 and a message`, async () => {
      const before = await userCount();
      const response = await post("/signup", mutate(valid()));
      expect(response.status).toBe(422);
      const html = await response.text();
      expect(html).toMatch(message);
      expect(html).not.toMatch(/<script>alert\(1\)<\/script>|<img src=x/);
      expect(await userCount()).toBe(before);
    });
  }

  it("answers a JSON body with 400", async () => {
    const response = await fetch(`${origin}/signup`, {
      method: "POST",
      headers: { Origin: origin, "Content-Type": "application/json" },
      body: JSON.stringify(valid()),
    });
    expect(response.status).toBe(400);
  });

  it("answers a body larger than any form with 413", async () => {
    const response = await post("/signup", { ...valid(), password: "p".repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });

  it("answers a body of undeclared length (chunked) with 411 before reading it, and creates nothing", async () => {
    const fields = valid();
    const encoded = new TextEncoder().encode(new URLSearchParams(fields).toString());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoded);
        controller.close();
      },
    });
    const response = await fetch(`${origin}/signup`, {
      method: "POST",
      headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(411);
    expect(await response.text()).toMatch(/Content-Length/);
    expect(await getDb().user.findUnique({ where: { username: fields.username } })).toBeNull();
  });

  it("gives a bot that fills the honeypot a 400 and no account", async () => {
    const fields = valid();
    const response = await post("/signup", { ...fields, website: "https://spam.example" });
    expect(response.status).toBe(400);
    expect(await getDb().user.findUnique({ where: { username: fields.username } })).toBeNull();
  });

  it("answers a taken username or email with 409 and says which", async () => {
    const { username } = await signUp();
    const sameName = await post("/signup", { username: username.toUpperCase(), email: "other@example.com", password: "a long password" });
    expect(sameName.status).toBe(409);
    expect(await sameName.text()).toContain("That username is taken");
    const sameEmail = await post("/signup", { username: uniqueName("other"), email: `${username}@EXAMPLE.com`, password: "a long password" });
    expect(sameEmail.status).toBe(409);
    expect(await sameEmail.text()).toContain("An account with this email already exists");
  });

  it("lets exactly one of five racing identical sign-ups through", async () => {
    const fields = valid();
    const responses = await Promise.all(Array.from({ length: 5 }, () => post("/signup", fields)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([302, 409, 409, 409, 409]);
    expect(await getDb().user.count({ where: { username: fields.username } })).toBe(1);
  });
});

describe("rate limits", () => {
  it("answers the 11th login attempt in a minute with 429, Retry-After and a readable page", async () => {
    const identifier = uniqueName("target");
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await post("/login", { identifier, password: `guess number ${attempt}` }, { base: limitedOrigin });
      expect(response.status).toBe(400);
    }
    const limited = await post("/login", { identifier, password: "guess number 11" }, { base: limitedOrigin });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    const html = await limited.text();
    expect(html).toContain("Too many attempts");
    expect(html).toContain("<form");
  });
});

describe.skipIf(redisSkipReason())("rate limits across instances (Redis)", () => {
  it("counts attempts on two instances sharing Redis together", async () => {
    const settings = { redisUrl: process.env.TEST_REDIS_URL, trustProxy: true };
    const shared = await Promise.all([start(10, settings), start(10, settings)]);
    // A client address of its own (through TRUST_PROXY), so earlier runs' counts for 127.0.0.1 do not interfere.
    const forwardedFor = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const identifier = uniqueName("shared_target");
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await post("/login", { identifier, password: `guess ${attempt}` }, { base: shared[attempt % 2], forwardedFor });
      expect(response.status).toBe(400);
    }
    const limited = await post("/login", { identifier, password: "guess 11" }, { base: shared[1], forwardedFor });
    expect(limited.status).toBe(429);
    // Another address and account on the same instances is not limited.
    const other = await post("/login", { identifier: uniqueName("bystander"), password: "guess" }, { base: shared[0], forwardedFor: "10.255.255.1" });
    expect(other.status).toBe(400);
  });
});

describe("settings", () => {
  it("changes the password only with the current one, and ends every other session", async () => {
    const { username, password, cookie } = await signUp();
    const other = sessionCookieOf(await post("/login", { identifier: username, password }))!;
    const wrong = await post("/settings", { intent: "password", currentPassword: "not it at all", newPassword: "new long password", confirmPassword: "new long password" }, { cookie });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That is not your current password");

    const changed = await post("/settings", { intent: "password", currentPassword: password, newPassword: "new long password", confirmPassword: "new long password" }, { cookie });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("1 other session was signed out");
    const user = await getDb().user.findUniqueOrThrow({ where: { username }, include: { sessions: true } });
    expect(user.sessions.map((session) => session.id)).toEqual([createHash("sha256").update(cookie.split("=")[1]!).digest("hex")]);
    const otherNow = await fetch(`${origin}/settings`, { headers: { Cookie: other }, redirect: "manual" });
    expect(otherNow.status).toBe(302);
  });

  it("lists where the user is signed in and, with the password, signs out everywhere else", async () => {
    const { username, password, cookie } = await signUp();
    const other = sessionCookieOf(await post("/login", { identifier: username, password }))!;
    const page = await (await fetch(`${origin}/settings`, { headers: { Cookie: cookie } })).text();
    expect(page).toContain("Where you are signed in");
    expect(page.match(/\(this browser\)/g)).toHaveLength(1);

    const wrong = await post("/settings", { intent: "sessions", currentPassword: "not the password" }, { cookie });
    expect(wrong.status).toBe(400);
    expect(await getDb().session.count({ where: { user: { username } } })).toBe(2);

    const ended = await post("/settings", { intent: "sessions", currentPassword: password }, { cookie });
    expect(ended.status).toBe(200);
    expect(await ended.text()).toContain("Signed out of 1 other session.");
    expect((await fetch(`${origin}/settings`, { headers: { Cookie: other }, redirect: "manual" })).status).toBe(302);
    expect((await fetch(`${origin}/settings`, { headers: { Cookie: cookie }, redirect: "manual" })).status).toBe(200);
  });

  it("refuses settings changes without a session", async () => {
    const response = await post("/settings", { intent: "profile", displayName: "Nobody" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
  });

  it("downloads the account's data as JSON, never cached", async () => {
    const { username, cookie } = await signUp();
    const response = await fetch(`${origin}/settings/data.json`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain("attachment");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const body = await response.json();
    expect(body.account.username).toBe(username);
    expect(body.account.email).toBe(`${username}@example.com`);
    expect(JSON.stringify(body)).not.toContain("argon2");
  });

  it("deletes the account only when the username is typed, then signs out", async () => {
    const { username, password, cookie } = await signUp();
    const mistyped = await post("/settings", { intent: "delete", confirmUsername: "someone_else" }, { cookie });
    expect(mistyped.status).toBe(422);
    expect(await getDb().user.count({ where: { username } })).toBe(1);

    const deleted = await post("/settings", { intent: "delete", confirmUsername: username }, { cookie });
    expect(deleted.status).toBe(302);
    expect(await getDb().user.count({ where: { username } })).toBe(0);
    const login = await post("/login", { identifier: username, password });
    expect(login.status).toBe(400);
  });
});

describe("roles", () => {
  it("keeps readers out of /admin/users with a 403", async () => {
    const { cookie } = await signUp();
    const page = await fetch(`${origin}/admin/users`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(403);
    const change = await post("/admin/users", { userId: "x", role: "admin" }, { cookie });
    expect(change.status).toBe(403);
  });

  it("lets an admin change roles, but not remove the last admin", async () => {
    const admin = await signUp(uniqueName("admin"));
    const reader = await signUp();
    await getDb().user.updateMany({ where: { role: "admin" }, data: { role: "reader" } });
    const adminRow = await getDb().user.update({ where: { username: admin.username }, data: { role: "admin" } });
    const readerRow = await getDb().user.findUniqueOrThrow({ where: { username: reader.username } });

    const promoted = await post("/admin/users", { userId: readerRow.id, role: "author" }, { cookie: admin.cookie });
    expect(promoted.status).toBe(200);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: readerRow.id } })).role).toBe("author");

    const bogus = await post("/admin/users", { userId: readerRow.id, role: "superuser" }, { cookie: admin.cookie });
    expect(bogus.status).toBe(422);

    const selfDemotion = await post("/admin/users", { userId: adminRow.id, role: "reader" }, { cookie: admin.cookie });
    expect(selfDemotion.status).toBe(409);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: adminRow.id } })).role).toBe("admin");
  });
});
