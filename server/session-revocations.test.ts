// A session ended on one instance stops working on every other within a second, although each
// instance answers session lookups from its own 30 s cache (decision 011): the revocation travels
// over Redis. Instance A is this process; B is a real `server/index.ts` process with its own cache
// (two servers in one process would share one cache and prove nothing). PostgreSQL + Redis.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSession, validateSessionToken } from "~/auth/session.server";
import { sessionRevocationChannel } from "~/auth/session-revocations";
import { createDb, getDb, type Db } from "~/db.server";
import { seedDatabase } from "../prisma/seeding";
import { postgresSkipReason, redisSkipReason } from "../test/test-database";
import type { CrowdlineServer } from "./app";
import { loadRemixBuild, post, signUp, startInstanceProcess, startServer } from "./realtime-testing";

const REVOCATION_DEADLINE_MS = 1_000;
const POLL_INTERVAL_MS = 50;

/** GET `pathname` as the holder of `cookie` would, without following the redirect. */
const visit = (origin: string, pathname: string, cookie: string) => fetch(`${origin}${pathname}`, { headers: { Cookie: cookie }, redirect: "manual" });

/** Polls `check` every 50 ms until it is true; false if it never was within three deadlines. */
async function becomesTrue(check: () => Promise<boolean>) {
  for (let attempt = 0; attempt * POLL_INTERVAL_MS <= 3 * REVOCATION_DEADLINE_MS; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return false;
}

/**
 * Asks B every 50 ms until `refused` says the cookie no longer works there; the milliseconds it
 * took since `since`. Gives up (and fails the test) after three deadlines, so a cache that is never
 * dropped shows as a failure, not a hang of 30 s.
 */
async function millisecondsUntilRefused(request: () => Promise<Response>, refused: (response: Response) => boolean, since: number) {
  const gone = await becomesTrue(async () => {
    const response = await request();
    await response.arrayBuffer();
    return refused(response);
  });
  if (!gone) throw new Error(`the other instance still honoured the session ${3 * REVOCATION_DEADLINE_MS} ms after it ended`);
  return performance.now() - since;
}

const redirectedToLogin = (response: Response) => response.status === 302 && (response.headers.get("location") ?? "").startsWith("/login");

describe.skipIf(redisSkipReason() ?? postgresSkipReason())("session revocations across instances (two processes, PostgreSQL, Redis)", () => {
  const redisUrl = process.env.TEST_REDIS_URL as string;
  // Through REDIS_PREFIX, so that parallel test files on this Redis do not hear these revocations.
  const redisPrefix = `crowdline-test-revocations-${randomUUID().slice(0, 8)}`;
  let previousDb: Db | undefined;
  let ownDb: Db;
  let a: { server: CrowdlineServer; origin: string };
  let b: Awaited<ReturnType<typeof startInstanceProcess>>;

  beforeAll(async () => {
    const postgresUrl = inject("postgresUrl") as string;
    ownDb = createDb(postgresUrl);
    await seedDatabase(ownDb);
    // A's Remix routes read the process-wide client: the PostgreSQL one while these tests run.
    previousDb = globalThis.__crowdlineDb;
    globalThis.__crowdlineDb = ownDb;
    a = await startServer({ db: ownDb, remixBuild: await loadRemixBuild(), redisUrl, redisPrefix });
    b = await startInstanceProcess({ DATABASE_URL: postgresUrl, REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix });
  }, 60_000);

  afterAll(async () => {
    b?.child.kill("SIGKILL");
    await a?.server.close();
    globalThis.__crowdlineDb = previousDb;
    await ownDb?.$disconnect();
  });

  it("refuses on B a cookie logged out on A within a second", async () => {
    const { cookie } = await signUp(a.origin, ownDb);
    // B now holds the session in its cache.
    expect((await visit(b.origin, "/settings", cookie)).status).toBe(200);

    const loggedOut = await post(a.origin, "/logout", {}, cookie);
    expect(loggedOut.status).toBe(302);
    const elapsed = await millisecondsUntilRefused(() => visit(b.origin, "/settings", cookie), redirectedToLogin, performance.now());
    expect(elapsed).toBeLessThan(REVOCATION_DEADLINE_MS);
  });

  it("refuses on B the other sessions ended by a password change on A within a second, and keeps the one that changed it", async () => {
    const { cookie, username, password } = await signUp(a.origin, ownDb);
    const signedInAgain = await post(a.origin, "/login", { identifier: username, password });
    const otherCookie = signedInAgain.headers.getSetCookie().find((value) => value.startsWith("session="))!.split(";")[0]!;
    expect((await visit(b.origin, "/settings", otherCookie)).status).toBe(200);
    expect((await visit(b.origin, "/settings", cookie)).status).toBe(200);

    const newPassword = `${password}-changed`;
    const changed = await post(a.origin, "/settings", { intent: "password", currentPassword: password, newPassword, confirmPassword: newPassword }, cookie);
    expect(changed.status).toBe(200);
    const elapsed = await millisecondsUntilRefused(() => visit(b.origin, "/settings", otherCookie), redirectedToLogin, performance.now());
    expect(elapsed).toBeLessThan(REVOCATION_DEADLINE_MS);
    expect((await visit(b.origin, "/settings", cookie)).status).toBe(200);
  });

  it("takes an author's pages away on B within a second of an admin demoting them on A", async () => {
    const admin = await signUp(a.origin, ownDb);
    const author = await signUp(a.origin, ownDb);
    // Set before either cookie is first looked up anywhere, so no cache holds the old roles.
    await ownDb.user.update({ where: { id: admin.userId }, data: { role: "admin" } });
    await ownDb.user.update({ where: { id: author.userId }, data: { role: "author" } });
    expect((await visit(b.origin, "/author", author.cookie)).status).toBe(200);

    const demoted = await post(a.origin, "/admin/users", { userId: author.userId, role: "reader" }, admin.cookie);
    expect(demoted.status).toBe(200);
    const elapsed = await millisecondsUntilRefused(() => visit(b.origin, "/author", author.cookie), (response) => response.status === 403, performance.now());
    expect(elapsed).toBeLessThan(REVOCATION_DEADLINE_MS);
  });
});

describe.skipIf(redisSkipReason())("a relay that lost Redis for a while", () => {
  it("forgets every cached session once it is back, since revocations may have passed it by", async () => {
    const redisUrl = process.env.TEST_REDIS_URL as string;
    const redisPrefix = `crowdline-test-relay-${randomUUID().slice(0, 8)}`;
    const { server } = await startServer({ redisUrl, redisPrefix });
    const admin = createClient({ url: redisUrl });
    await admin.connect();
    try {
      const name = `relay_${randomUUID().slice(0, 8)}`;
      const user = await getDb().user.create({ data: { username: name, email: `${name}@example.com`, passwordHash: "!" } });
      const { token } = await createSession(user.id);
      expect(await validateSessionToken(token)).not.toBeNull();
      // Ended while the relay is cut off, as a revocation it never hears about.
      await getDb().session.deleteMany({ where: { userId: user.id } });
      expect(await validateSessionToken(token)).not.toBeNull();

      const subscriber = (await admin.clientList()).find((client) => client.name === sessionRevocationChannel(redisPrefix));
      expect(subscriber).toBeDefined();
      await admin.clientKill({ filter: "ID", id: Number(subscriber!.id) });
      expect(await becomesTrue(async () => (await validateSessionToken(token)) === null)).toBe(true);
    } finally {
      await admin.quit();
      await server.close();
    }
  });
});
