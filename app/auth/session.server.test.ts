import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb, type Db } from "~/db.server";
import { SESSION_CACHE_TTL_MS, forgetCachedSessionsOf } from "~/models/session.server";
import {
  SESSION_ABSOLUTE_TIMEOUT_MS,
  SESSION_IDLE_TIMEOUT_MS,
  createSession,
  generateSessionToken,
  invalidateSession,
  readSessionToken,
  serializeBlankSessionCookie,
  serializeSessionCookie,
  sessionCookieSettings,
  sessionIdFromToken,
  validateSessionToken,
} from "./session.server";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

let userId: string;

async function createTestUser(): Promise<string> {
  const name = `session_${randomBytes(4).toString("hex")}`;
  const user = await getDb().user.create({ data: { username: name, email: `${name}@example.com`, passwordHash: "!" } });
  return user.id;
}

const storedRow = (id: string) => getDb().session.findUnique({ where: { id } });

beforeEach(async () => {
  userId = await createTestUser();
});

describe("session tokens", () => {
  it("carry 160 random bits as 32 lower-case base32 characters", () => {
    const token = generateSessionToken();
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    // 32 base32 characters x 5 bits = 160 bits >= 128 (ASVS 3.2.2).
    expect(token.length * 5).toBeGreaterThanOrEqual(128);
  });

  it("differ from each other", () => {
    const tokens = new Set(Array.from({ length: 1_000 }, () => generateSessionToken()));
    expect(tokens.size).toBe(1_000);
  });

  it("are stored only as their SHA-256 hex", async () => {
    const { token, session } = await createSession(userId, T0);
    expect(session.id).toBe(sha256Hex(token));
    expect(sessionIdFromToken(token)).toBe(sha256Hex(token));
    const row = await storedRow(sha256Hex(token));
    expect(row?.userId).toBe(userId);
    const everything = JSON.stringify(await getDb().session.findMany());
    expect(everything).toContain(sha256Hex(token));
    expect(everything).not.toContain(token);
  });
});

describe("createSession", () => {
  it("sets a 30-day idle expiry and a 90-day absolute expiry", async () => {
    const { session } = await createSession(userId, T0);
    expect(session.expiresAt).toEqual(at(30 * DAY));
    expect(session.absoluteExpiresAt).toEqual(at(90 * DAY));
    const row = await storedRow(session.id);
    expect(row?.expiresAt).toEqual(at(30 * DAY));
    expect(row?.absoluteExpiresAt).toEqual(at(90 * DAY));
    expect(row?.lastSeenAt).toEqual(T0);
    expect(SESSION_IDLE_TIMEOUT_MS).toBe(30 * DAY);
    expect(SESSION_ABSOLUTE_TIMEOUT_MS).toBe(90 * DAY);
  });
});

describe("validateSessionToken", () => {
  it("returns the user of a fresh session, without extending it", async () => {
    const { token, session } = await createSession(userId, T0);
    const result = await validateSessionToken(token, at(1_000));
    expect(result?.extended).toBe(false);
    expect(result?.session.id).toBe(session.id);
    expect(result?.user).toMatchObject({ id: userId, role: "reader" });
    expect(result?.user).not.toHaveProperty("passwordHash");
  });

  it("does not write when used again within a day", async () => {
    const { token, session } = await createSession(userId, T0);
    const result = await validateSessionToken(token, at(23 * HOUR));
    expect(result?.extended).toBe(false);
    const row = await storedRow(session.id);
    expect(row?.lastSeenAt).toEqual(T0);
    expect(row?.expiresAt).toEqual(at(30 * DAY));
  });

  it("extends to 30 days from now when used more than a day after it was last seen", async () => {
    const { token, session } = await createSession(userId, T0);
    const now = at(25 * HOUR);
    const result = await validateSessionToken(token, now);
    expect(result?.extended).toBe(true);
    expect(result?.session.expiresAt).toEqual(new Date(now.getTime() + 30 * DAY));
    const row = await storedRow(session.id);
    expect(row?.expiresAt).toEqual(new Date(now.getTime() + 30 * DAY));
    expect(row?.lastSeenAt).toEqual(now);
    expect(row?.absoluteExpiresAt).toEqual(at(90 * DAY));
  });

  it("never extends past the 90-day cap, however often the session is used", async () => {
    const { token, session } = await createSession(userId, T0);
    for (let day = 1; day <= 75; day++) {
      const now = at(day * DAY);
      const result = await validateSessionToken(token, now);
      const expected = new Date(Math.min(now.getTime() + 30 * DAY, T0.getTime() + 90 * DAY));
      expect(result?.extended).toBe(true);
      expect(result?.session.expiresAt).toEqual(expected);
      expect(result?.session.expiresAt.getTime()).toBeLessThanOrEqual(at(90 * DAY).getTime());
    }
    const row = await storedRow(session.id);
    expect(row?.expiresAt).toEqual(at(90 * DAY));
    expect(row?.lastSeenAt).toEqual(at(75 * DAY));
    // Still good a moment before the cap, gone at it.
    expect(await validateSessionToken(token, at(90 * DAY - 1))).not.toBeNull();
    expect(await validateSessionToken(token, at(90 * DAY))).toBeNull();
    expect(await storedRow(session.id)).toBeNull();
  });

  it("returns null and deletes the session once idle for 30 days", async () => {
    const justInTime = await createSession(userId, T0);
    expect(await validateSessionToken(justInTime.token, at(30 * DAY - 1))).not.toBeNull();
    const tooLate = await createSession(userId, T0);
    expect(await validateSessionToken(tooLate.token, at(30 * DAY))).toBeNull();
    expect(await storedRow(tooLate.session.id)).toBeNull();
    // Idle is counted from the last extension: used on day 10, the session ends on day 40.
    const used = await createSession(userId, T0);
    expect((await validateSessionToken(used.token, at(10 * DAY)))?.extended).toBe(true);
    expect(await validateSessionToken(used.token, at(40 * DAY))).toBeNull();
    expect(await storedRow(used.session.id)).toBeNull();
  });

  it("returns null and deletes the session past its absolute expiry even if its idle expiry is later", async () => {
    const { token, session } = await createSession(userId, T0);
    // A row whose idle expiry was (wrongly) pushed past the cap must still end at the cap.
    await getDb().session.update({ where: { id: session.id }, data: { expiresAt: at(200 * DAY), lastSeenAt: at(89 * DAY) } });
    expect(await validateSessionToken(token, at(90 * DAY + 1))).toBeNull();
    expect(await storedRow(session.id)).toBeNull();
  });

  describe("without touching the database", () => {
    let saved: Db | undefined;
    beforeEach(() => {
      saved = globalThis.__crowdlineDb;
      globalThis.__crowdlineDb = new Proxy({} as Db, {
        get: (_target, property) => {
          throw new Error(`database touched: ${String(property)}`);
        },
      });
    });
    afterEach(() => {
      globalThis.__crowdlineDb = saved;
    });

    it.each([
      ["empty", ""],
      ["too short", "a".repeat(31)],
      ["too long", "a".repeat(33)],
      ["upper case", "A".repeat(32)],
      ["outside base32", "0189".repeat(8)],
      ["a session id instead of a token", "a".repeat(64)],
      ["SQL", "' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaa"],
      ["padding", `${"a".repeat(31)}=`],
    ])("returns null for a malformed token (%s)", async (_label, token) => {
      expect(await validateSessionToken(token, T0)).toBeNull();
    });
  });

  it("returns null for a well-formed token that was never issued", async () => {
    await createSession(userId, T0);
    expect(await validateSessionToken(generateSessionToken(), at(1_000))).toBeNull();
  });

  it("returns null for a deleted user's session", async () => {
    const { token } = await createSession(userId, T0);
    expect(await validateSessionToken(token, at(1_000))).not.toBeNull();
    await getDb().user.update({ where: { id: userId }, data: { deletedAt: at(2_000) } });
    forgetCachedSessionsOf(userId);
    expect(await validateSessionToken(token, at(3_000))).toBeNull();
  });

  it("sees a change made by another process (another instance) once the cached lookup is older than its TTL", async () => {
    const { token } = await createSession(userId, T0);
    expect(await validateSessionToken(token, at(1_000))).not.toBeNull();
    // Written behind this process's back, as another instance's log-out would be.
    await getDb().session.deleteMany({ where: { userId } });
    expect(await validateSessionToken(token, at(2_000))).not.toBeNull();
    const later = Date.now() + SESSION_CACHE_TTL_MS + 1;
    vi.spyOn(Date, "now").mockReturnValue(later);
    try {
      expect(await validateSessionToken(token, at(3_000))).toBeNull();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("forgets a session at once when this process ends it", async () => {
    const { token, session } = await createSession(userId, T0);
    expect(await validateSessionToken(token, at(1_000))).not.toBeNull();
    await invalidateSession(session);
    expect(await validateSessionToken(token, at(2_000))).toBeNull();
  });
});

describe("invalidateSession", () => {
  it("deletes the session row, leaving the user's others", async () => {
    const first = await createSession(userId, T0);
    const second = await createSession(userId, T0);
    await invalidateSession(first.session);
    expect(await storedRow(first.session.id)).toBeNull();
    expect(await validateSessionToken(first.token, at(1_000))).toBeNull();
    expect(await storedRow(second.session.id)).not.toBeNull();
  });
});

describe("session cookies", () => {
  const token = "abcdefghijklmnopqrstuvwxyz234567";
  const expiresAt = new Date(T0.getTime() + 30 * DAY);

  it("are __Host- prefixed, Secure, HttpOnly, SameSite=Lax and host-only in production", () => {
    const settings = sessionCookieSettings("production");
    const cookie = serializeSessionCookie(settings, token, expiresAt, T0);
    expect(cookie).toBe(
      `__Host-session=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${30 * 24 * 60 * 60}; Expires=${expiresAt.toUTCString()}; Secure`,
    );
    expect(cookie).not.toMatch(/domain=/i);
  });

  it.each(["development", "test"] as const)("are plain `session` cookies without Secure in %s", (mode) => {
    const cookie = serializeSessionCookie(sessionCookieSettings(mode), token, expiresAt, T0);
    expect(cookie).toMatch(/^session=abcdefghijklmnopqrstuvwxyz234567; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Secure");
    expect(cookie).not.toMatch(/domain=/i);
  });

  it("are cleared with Max-Age=0", () => {
    expect(serializeBlankSessionCookie(sessionCookieSettings("production"))).toBe(
      "__Host-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    );
    expect(serializeBlankSessionCookie(sessionCookieSettings("development"))).toBe("session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  });

  it("are read by their exact name among several cookies", () => {
    const production = sessionCookieSettings("production");
    const development = sessionCookieSettings("development");
    const header = "theme=dark; xsession=nope; __Host-session=host-token; session=plain-token; other=1";
    expect(readSessionToken(production, header)).toBe("host-token");
    expect(readSessionToken(development, header)).toBe("plain-token");
    expect(readSessionToken(production, "session=plain-token; theme=dark")).toBeNull();
    expect(readSessionToken(development, "__Host-session=host-token; xsession=nope")).toBeNull();
    expect(readSessionToken(development, "session=")).toBeNull();
    expect(readSessionToken(development, null)).toBeNull();
    expect(readSessionToken(development, undefined)).toBeNull();
  });
});
