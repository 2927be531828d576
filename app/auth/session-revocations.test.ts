// What the models announce when sessions end, and what an instance does with an announcement.
// The Redis transport between instances: server/session-revocations.test.ts.
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { deleteUserSessions, dropCachedSessions } from "~/models/session.server";
import { replacePassword, updateDisplayName } from "~/models/user.server";
import { installRevocationPublisher, parseSessionRevocation, serializeSessionRevocation, type SessionRevocation } from "./session-revocations";
import { createSession, invalidateSession, validateSessionToken } from "./session.server";

let userId: string;
let announced: { revocation: SessionRevocation; rowsLeft: number }[];
let uninstall: () => void;
let settled: () => Promise<unknown>;

beforeEach(async () => {
  const name = `revoked_${randomBytes(4).toString("hex")}`;
  userId = (await getDb().user.create({ data: { username: name, email: `${name}@example.com`, passwordHash: "!" } })).id;
  announced = [];
  // The rows an announcement names, counted by a query sent the moment it is announced: an
  // announcement made before its write commits would let another instance re-read the old row.
  const pending: Promise<void>[] = [];
  uninstall = installRevocationPublisher((revocation) => {
    const where = { userId: revocation.userId, ...(revocation.sessionId ? { id: revocation.sessionId } : {}) };
    pending.push(getDb().session.count({ where }).then((rowsLeft) => void announced.push({ revocation, rowsLeft })));
  });
  settled = () => Promise.all(pending);
});

afterEach(() => uninstall());

describe("announcements", () => {
  it("a log-out announces the user and the session's hash, once its row is gone, never the token", async () => {
    const { token, session } = await createSession(userId);
    await invalidateSession(session);
    await settled();
    expect(announced).toEqual([{ revocation: { userId, sessionId: session.id }, rowsLeft: 0 }]);
    expect(JSON.stringify(announced)).not.toContain(token);
  });

  it("ending every other session announces the user once the rows are gone", async () => {
    const kept = await createSession(userId);
    await createSession(userId);
    await deleteUserSessions(userId, kept.session.id);
    await settled();
    expect(announced.map(({ revocation }) => revocation)).toEqual([{ userId }]);
    expect(await getDb().session.count({ where: { userId } })).toBe(1);
  });

  it("a password change and a profile change announce the user", async () => {
    const kept = await createSession(userId);
    await replacePassword(userId, "!", kept.session.id);
    await updateDisplayName(userId, "Someone");
    await settled();
    expect(announced.map(({ revocation }) => revocation)).toEqual([{ userId }, { userId }]);
  });

  it("announces nothing once the publisher is removed (no Redis: a no-op)", async () => {
    uninstall();
    const { session } = await createSession(userId);
    await invalidateSession(session);
    await settled();
    expect(announced).toEqual([]);
  });
});

describe("receiving an announcement", () => {
  it("drops one cached session when it names one, every session of the user when it does not", async () => {
    const first = await createSession(userId);
    const second = await createSession(userId);
    for (const { token } of [first, second]) expect(await validateSessionToken(token)).not.toBeNull();
    // Written behind the cache's back, as another instance would.
    await getDb().session.deleteMany({ where: { userId } });
    expect(await validateSessionToken(first.token)).not.toBeNull();

    dropCachedSessions({ userId, sessionId: first.session.id });
    expect(await validateSessionToken(first.token)).toBeNull();
    expect(await validateSessionToken(second.token)).not.toBeNull();
    dropCachedSessions({ userId });
    expect(await validateSessionToken(second.token)).toBeNull();
  });
});

describe("the message", () => {
  it("round-trips, and anything else on the channel is not a revocation", () => {
    for (const revocation of [{ userId: "cmx52jh4600028h7dt3y9nd6v" }, { userId: "u1", sessionId: "a".repeat(64) }]) {
      expect(parseSessionRevocation(serializeSessionRevocation(revocation))).toEqual(revocation);
    }
    for (const junk of ["", "not json", "null", "[]", '{"sessionId":"abc"}', '{"userId":""}', '{"userId":"u1","extra":1}', `{"userId":"${"x".repeat(200)}"}`]) {
      expect(parseSessionRevocation(junk)).toBeNull();
    }
  });
});
