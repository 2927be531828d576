import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSession } from "~/auth/session.server";
import { createDb, getDb, type Db } from "~/db.server";
import { seedDatabase } from "../../prisma/seeding";
import { postgresSkipReason } from "../../test/test-database";
import {
  AccountConflictError,
  LastAdminError,
  createUser,
  deleteAccount,
  exportUserData,
  findLoginCandidate,
  replacePassword,
  setUserRole,
} from "./user.server";

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;
const account = (username = unique("user")) => ({ username, email: `${username}@example.com`, passwordHash: "$argon2id$test" });

async function conflictOf(attempt: Promise<unknown>): Promise<AccountConflictError> {
  const error = await attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccountConflictError);
  return error as AccountConflictError;
}

/** The sign-up races, on whichever database `getDb()` currently returns. */
function describeAccountConflicts() {
  it("refuses a second account with a taken username, naming the username", async () => {
    const first = account();
    await createUser(first);
    const error = await conflictOf(createUser({ ...first, email: `${unique("other")}@example.com` }));
    expect(error.field).toBe("username");
    expect(await getDb().user.count({ where: { username: first.username } })).toBe(1);
  });

  it("refuses a second account with a taken email, naming the email", async () => {
    const first = account();
    await createUser(first);
    const error = await conflictOf(createUser({ ...first, username: unique("other") }));
    expect(error.field).toBe("email");
    expect(await getDb().user.count({ where: { email: first.email } })).toBe(1);
  });

  it("lets exactly one of two simultaneous sign-ups for one username win", async () => {
    const username = unique("race");
    const outcomes = await Promise.allSettled([
      createUser({ ...account(username), email: `${unique("a")}@example.com` }),
      createUser({ ...account(username), email: `${unique("b")}@example.com` }),
    ]);
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const rejected = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(AccountConflictError);
    expect((rejected[0]?.reason as AccountConflictError).field).toBe("username");
    expect(await getDb().user.count({ where: { username } })).toBe(1);
  });

  it("lets exactly one of two simultaneous sign-ups for one email win", async () => {
    const email = `${unique("race")}@example.com`;
    const outcomes = await Promise.allSettled([
      createUser({ ...account(), email }),
      createUser({ ...account(), email }),
    ]);
    const rejected = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect((rejected[0]?.reason as AccountConflictError).field).toBe("email");
    expect(await getDb().user.count({ where: { email } })).toBe(1);
  });
}

describe("createUser on SQLite", () => {
  it("creates a reader and returns no password hash", async () => {
    const input = account();
    const user = await createUser(input);
    expect(user).toMatchObject({ username: input.username, email: input.email, role: "reader", displayName: null });
    expect(user).not.toHaveProperty("passwordHash");
  });

  describeAccountConflicts();
});

describe.skipIf(postgresSkipReason())("createUser on PostgreSQL", () => {
  let saved: Db | undefined;
  let postgres: Db;

  beforeAll(() => {
    postgres = createDb(inject("postgresUrl") as string);
    saved = globalThis.__crowdlineDb;
    globalThis.__crowdlineDb = postgres;
  });
  afterAll(async () => {
    globalThis.__crowdlineDb = saved;
    await postgres?.$disconnect();
  });

  it("runs against PostgreSQL", async () => {
    const rows = await getDb().$queryRawUnsafe<{ version: string }[]>("SELECT version() AS version");
    expect(rows[0]?.version).toMatch(/PostgreSQL/);
  });

  describeAccountConflicts();
});

describe("findLoginCandidate", () => {
  it("finds an account by username and by email", async () => {
    const input = account();
    const user = await createUser(input);
    expect(await findLoginCandidate(input.username)).toEqual({ id: user.id, passwordHash: input.passwordHash });
    expect(await findLoginCandidate(input.email)).toEqual({ id: user.id, passwordHash: input.passwordHash });
    expect(await findLoginCandidate(unique("nobody"))).toBeNull();
  });

  it("does not find deleted accounts, by their old name or their tombstone", async () => {
    const input = account();
    const user = await createUser(input);
    await deleteAccount(user.id);
    expect(await findLoginCandidate(input.username)).toBeNull();
    expect(await findLoginCandidate(input.email)).toBeNull();
    const tombstone = await getDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await findLoginCandidate(tombstone.username)).toBeNull();
    expect(await findLoginCandidate(tombstone.email)).toBeNull();
  });

  it("does not find an account marked deleted that still has its name", async () => {
    const input = account();
    const user = await createUser(input);
    await getDb().user.update({ where: { id: user.id }, data: { deletedAt: new Date() } });
    expect(await findLoginCandidate(input.username)).toBeNull();
    expect(await findLoginCandidate(input.email)).toBeNull();
  });
});

describe("replacePassword", () => {
  it("stores the new hash and ends every other session of that user only", async () => {
    const alice = await createUser(account());
    const bob = await createUser(account());
    const kept = await createSession(alice.id);
    const other1 = await createSession(alice.id);
    const other2 = await createSession(alice.id);
    const bobs = await createSession(bob.id);

    expect(await replacePassword(alice.id, "$argon2id$new", kept.session.id)).toBe(2);

    const remaining = await getDb().session.findMany({ where: { userId: alice.id }, select: { id: true } });
    expect(remaining).toEqual([{ id: kept.session.id }]);
    expect(await getDb().session.count({ where: { id: { in: [other1.session.id, other2.session.id] } } })).toBe(0);
    expect(await getDb().session.count({ where: { id: bobs.session.id } })).toBe(1);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: alice.id } })).passwordHash).toBe("$argon2id$new");
    expect((await getDb().user.findUniqueOrThrow({ where: { id: bob.id } })).passwordHash).toBe("$argon2id$test");
  });
});

describe("deleteAccount", () => {
  beforeAll(async () => {
    await seedDatabase(getDb());
  });

  it("erases name, email and password, ends sessions and keeps forecasts anonymously", async () => {
    const input = account();
    const user = await createUser(input);
    await getDb().user.update({ where: { id: user.id }, data: { displayName: "Alice Liddell", hideCrowdUntilForecast: true } });
    const bystander = await createUser(account());
    const question = await getDb().question.findFirstOrThrow({ where: { kind: "scenarios" } });
    const forecasts = await Promise.all(
      [user.id, user.id, bystander.id].map((userId) =>
        getDb().forecast.create({ data: { questionId: question.id, userId, probabilities: "[0.5,0.3,0.2]", rationale: "why" } }),
      ),
    );
    await createSession(user.id);
    await createSession(user.id);
    const bystanderSession = await createSession(bystander.id);
    const now = new Date("2026-06-01T10:00:00.000Z");

    await deleteAccount(user.id, now);

    const row = await getDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.username).toMatch(/^deleted_[0-9a-f]{32}$/);
    expect(row.email).toBe(`${row.username}@deleted.invalid`);
    expect(row.passwordHash).toBe("!");
    expect(row.displayName).toBeNull();
    expect(row.hideCrowdUntilForecast).toBe(false);
    expect(row.deletedAt).toEqual(now);
    expect(JSON.stringify(row)).not.toContain(input.username);
    expect(await getDb().session.count({ where: { userId: user.id } })).toBe(0);
    expect(await getDb().session.count({ where: { id: bystanderSession.session.id } })).toBe(1);

    const kept = await getDb().forecast.findMany({ where: { id: { in: forecasts.map((forecast) => forecast.id) } }, orderBy: { id: "asc" } });
    expect(kept).toHaveLength(3);
    expect(kept.filter((forecast) => forecast.userId === null).map((forecast) => forecast.id).sort()).toEqual(
      [forecasts[0]?.id, forecasts[1]?.id].sort(),
    );
    expect(kept.find((forecast) => forecast.id === forecasts[2]?.id)?.userId).toBe(bystander.id);
    expect(kept.every((forecast) => forecast.probabilities === "[0.5,0.3,0.2]")).toBe(true);

    // The name is free again for somebody new.
    await expect(createUser(input)).resolves.toMatchObject({ username: input.username });
  });
});

describe("setUserRole", () => {
  it("refuses to demote the last admin, and allows it once another admin exists", async () => {
    await getDb().user.updateMany({ where: { role: "admin" }, data: { role: "reader" } });
    const first = await createUser({ ...account(), role: "admin" });

    await expect(setUserRole(first.id, "reader")).rejects.toBeInstanceOf(LastAdminError);
    await expect(setUserRole(first.id, "author")).rejects.toBeInstanceOf(LastAdminError);
    expect((await getDb().user.findUniqueOrThrow({ where: { id: first.id } })).role).toBe("admin");

    // A deleted admin does not count as a second one.
    const deleted = await createUser({ ...account(), role: "admin" });
    await deleteAccount(deleted.id);
    await expect(setUserRole(first.id, "reader")).rejects.toBeInstanceOf(LastAdminError);

    const second = await createUser({ ...account(), role: "admin" });
    await expect(setUserRole(first.id, "reader")).resolves.toEqual({ username: first.username });
    expect((await getDb().user.findUniqueOrThrow({ where: { id: first.id } })).role).toBe("reader");
    await expect(setUserRole(second.id, "reader")).rejects.toBeInstanceOf(LastAdminError);
  });

  it("promotes, and returns null for unknown or deleted users", async () => {
    const reader = await createUser(account());
    await expect(setUserRole(reader.id, "author")).resolves.toEqual({ username: reader.username });
    expect((await getDb().user.findUniqueOrThrow({ where: { id: reader.id } })).role).toBe("author");
    await expect(setUserRole("no-such-user", "admin")).resolves.toBeNull();
    await deleteAccount(reader.id);
    await expect(setUserRole(reader.id, "admin")).resolves.toBeNull();
  });
});

describe("exportUserData", () => {
  beforeAll(async () => {
    await seedDatabase(getDb());
  });

  it("returns the account, sessions and forecasts keyed by scenario title, and no secrets", async () => {
    const input = account();
    const user = await createUser(input);
    const question = await getDb().question.findFirstOrThrow({
      where: { kind: "scenarios" },
      include: { scenarios: { orderBy: { position: "asc" } } },
    });
    await getDb().forecast.create({ data: { questionId: question.id, userId: user.id, probabilities: "[0.5,0.3,0.2]", rationale: "mine" } });
    const comment = await getDb().comment.create({ data: { questionId: question.id, userId: user.id, body: "first *take*", scenarioId: question.scenarios[1]!.id, stance: "for" } });
    await getDb().commentRevision.create({ data: { commentId: comment.id, body: "earlier take", createdAt: new Date("2026-11-30T10:00:00Z") } });
    const { token } = await createSession(user.id);

    const data = await exportUserData(user.id);

    expect(data.account).toMatchObject({
      id: user.id,
      username: input.username,
      email: input.email,
      role: "reader",
      preferences: { hideCrowdUntilForecast: false },
    });
    expect(data.account).not.toHaveProperty("passwordHash");
    expect(data.forecasts).toHaveLength(1);
    expect(data.forecasts[0]?.question).toEqual({ id: question.id, title: question.title });
    expect(data.forecasts[0]?.rationale).toBe("mine");
    expect(data.forecasts[0]?.probabilities).toEqual({
      "The Open Source Majority": 0.5,
      "Capability-Tiered Coexistence": 0.3,
      "Closed Model Consolidation": 0.2,
    });
    expect(Object.keys(data.forecasts[0]?.probabilities ?? {})).toEqual(question.scenarios.map((scenario) => scenario.title));
    expect(data.sessions).toHaveLength(1);
    expect(data.baselineRevisions).toEqual([]);
    expect(data.comments).toHaveLength(1);
    expect(data.comments[0]).toMatchObject({
      id: comment.id,
      body: "first *take*",
      stance: "for",
      scenario: "Capability-Tiered Coexistence",
      question: { id: question.id, title: question.title },
      earlierVersions: [{ body: "earlier take", createdAt: new Date("2026-11-30T10:00:00Z") }],
    });
    expect(data.commentVotes).toEqual([]);
    const serialized = JSON.stringify(data);
    expect(serialized).not.toContain(input.passwordHash);
    expect(serialized).not.toContain(token);
  });
});
