import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { seedDatabase } from "../../prisma/seeding";
import { openVsClosedAi2026 } from "../../prisma/seed-data/open-vs-closed-ai-2026";
import { BaselineMismatchError, createBaselineRevision, listBaselineRevisions } from "./baseline.server";
import { deleteAccount } from "./user.server";

let questionId: string;
let authorId: string;

beforeAll(async () => {
  await seedDatabase(getDb());
  const article = await getDb().article.findUniqueOrThrow({
    where: { slug: openVsClosedAi2026.slug },
    include: { questions: { where: { kind: "scenarios" }, orderBy: { position: "asc" }, take: 1 } },
  });
  questionId = article.questions[0]!.id;
  authorId = article.authorId;
});

const revisionCount = () => getDb().baselineRevision.count({ where: { questionId } });

describe("baseline revisions", () => {
  it("lists the seed baseline, then a new revision after it, oldest first", async () => {
    const before = await listBaselineRevisions(questionId);
    expect(before).toHaveLength(1);
    expect(before[0]!.probabilities).toEqual([0.45, 0.4, 0.15]);
    expect(before[0]!.authorName).toBe(openVsClosedAi2026.author.displayName);

    const at = new Date("2026-06-01T12:00:00.000Z");
    const created = await createBaselineRevision({ questionId, authorId, probabilities: [0.5, 0.3, 0.2], note: "DeepSeek's new release", at });
    expect(created?.at).toEqual(at);

    const after = await listBaselineRevisions(questionId);
    expect(after.map((revision) => revision.id)).toEqual([before[0]!.id, created!.id]);
    expect(after[1]).toEqual({ id: created!.id, at, probabilities: [0.5, 0.3, 0.2], note: "DeepSeek's new release", authorName: openVsClosedAi2026.author.displayName });
  });

  it("refuses a vector whose length differs from the scenario count, writing nothing", async () => {
    const before = await revisionCount();
    await expect(createBaselineRevision({ questionId, authorId, probabilities: [0.5, 0.5], note: "two of three" })).rejects.toBeInstanceOf(BaselineMismatchError);
    expect(await revisionCount()).toBe(before);
  });

  it.each([
    ["a vector that does not sum to 1", [0.5, 0.3, 0.1]],
    ["a negative entry", [1.2, -0.1, -0.1]],
    ["a NaN", [Number.NaN, 0.5, 0.5]],
  ])("refuses %s before touching the database", async (_name, probabilities) => {
    const before = await revisionCount();
    await expect(createBaselineRevision({ questionId, authorId, probabilities, note: "bad" })).rejects.toBeInstanceOf(RangeError);
    expect(await revisionCount()).toBe(before);
  });

  it("answers null for a question that does not exist, and lists nothing for it", async () => {
    expect(await createBaselineRevision({ questionId: "no-such-question", authorId, probabilities: [1], note: "x" })).toBeNull();
    expect(await listBaselineRevisions("no-such-question")).toEqual([]);
  });

  it("shows a deleted author as [deleted]", async () => {
    const username = `gone_${randomBytes(4).toString("hex")}`;
    const gone = await getDb().user.create({ data: { username, email: `${username}@example.com`, passwordHash: "!", role: "author" } });
    await createBaselineRevision({ questionId, authorId: gone.id, probabilities: [0.2, 0.2, 0.6], note: "by someone who left", at: new Date("2026-07-01T00:00:00.000Z") });
    await deleteAccount(gone.id);
    const latest = (await listBaselineRevisions(questionId)).at(-1)!;
    expect(latest.note).toBe("by someone who left");
    expect(latest.authorName).toBe("[deleted]");
  });
});
