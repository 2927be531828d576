import { afterAll, describe, expect, inject, it } from "vitest";
import { createDb, type Db } from "~/db.server";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { postgresSkipReason } from "../test/test-database";
import { seedDatabase } from "./seeding";

const databases: { name: string; url: () => string | null; skip: string | null }[] = [
  { name: "SQLite", url: () => process.env.DATABASE_URL ?? null, skip: null },
  { name: "PostgreSQL", url: () => inject("postgresUrl"), skip: postgresSkipReason() },
];

describe.each(databases)("seeding on $name", ({ url, skip }) => {
  let db: Db;
  afterAll(async () => db?.$disconnect());

  it.skipIf(skip)("writes the first article once, however often it runs (also concurrently)", async () => {
    db = createDb(url() as string);
    await db.article.deleteMany();
    await Promise.all([seedDatabase(db), seedDatabase(db)]);
    const second = await seedDatabase(db);
    expect(second.created).toBe(false);
    expect(await db.article.count({ where: { slug: "open-vs-closed-ai-2026" } })).toBe(1);
    expect(await db.user.count({ where: { username: "crowdline_analyst" } })).toBe(1);
  });

  it.skipIf(skip)("seeds the three 2028 scenarios at 45 / 40 / 15 % and four dated claims", async () => {
    db ??= createDb(url() as string);
    await seedDatabase(db);
    const questions = await db.question.findMany({
      where: { article: { slug: "open-vs-closed-ai-2026" } },
      orderBy: { position: "asc" },
      include: { scenarios: { orderBy: { position: "asc" } }, baselineRevisions: true },
    });
    const [scenarioQuestion, ...claims] = questions;
    expect(scenarioQuestion?.kind).toBe("scenarios");
    expect(scenarioQuestion?.scenarios.map((scenario) => scenario.title)).toEqual([
      "The Open Source Majority",
      "Capability-Tiered Coexistence",
      "Closed Model Consolidation",
    ]);
    const baseline = parseProbabilityVector(scenarioQuestion?.baselineRevisions[0]?.probabilities ?? "[]");
    expect(baseline).toEqual([0.45, 0.4, 0.15]);
    expect(claims).toHaveLength(4);
    for (const claim of claims) {
      expect(claim.kind).toBe("binary");
      expect(claim.scenarios.map((scenario) => scenario.title)).toEqual(["Yes", "No"]);
      expect(claim.resolvesAt).toBeInstanceOf(Date);
      const implied = parseProbabilityVector(claim.baselineRevisions[0]?.probabilities ?? "[]");
      expect(implied[0]! + implied[1]!).toBeCloseTo(1, 10);
    }
  });
});
