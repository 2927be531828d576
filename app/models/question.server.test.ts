// The live state a socket join starts from, read in one hand-written statement: checked on SQLite
// and, when TEST_POSTGRES_URL is set, on the run's PostgreSQL database (each test makes its own rows).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, getDb, type Db } from "~/db.server";
import { makeScenarioQuestion } from "../../test/model-questions";
import { postgresSkipReason } from "../../test/test-database";
import { saveForecast } from "./forecast.server";
import { getQuestionLiveState } from "./question.server";

const makeQuestion = (db: Db) => makeScenarioQuestion(db, { scenarios: 2, revealCrowd: "after_forecast" });

function describeLiveState(name: string, dbOf: () => Db) {
  describe(`a question's live state on ${name}`, () => {
    it("is version 0 without an aggregate or a baseline before anything happened, and null for an unknown question", async () => {
      const db = dbOf();
      const { question } = await makeQuestion(db);
      expect(await getQuestionLiveState(question.id, db)).toEqual({ questionId: question.id, revealCrowd: "after_forecast", version: 0, aggregate: null, baseline: null });
      expect(await getQuestionLiveState("no-such-question", db)).toBeNull();
    });

    it("holds the snapshot of the current version and the newest baseline revision", async () => {
      const db = dbOf();
      const { question, author } = await makeQuestion(db);
      const early = new Date(Date.now() - 60_000);
      await db.baselineRevision.create({ data: { questionId: question.id, authorId: author.id, probabilities: JSON.stringify([0.5, 0.5]), note: "first", createdAt: early } });
      await db.baselineRevision.create({ data: { questionId: question.id, authorId: author.id, probabilities: JSON.stringify([0.7, 0.3]), note: "revised" } });
      const reader = await db.user.create({ data: { username: `reader_${question.id}`, email: `reader_${question.id}@example.com`, passwordHash: "x" } });
      await saveForecast({ questionId: question.id, userId: reader.id, probabilities: [0.2, 0.8], rationale: null }, db);
      const saved = await saveForecast({ questionId: question.id, userId: reader.id, probabilities: [0.4, 0.6], rationale: null }, db);
      expect(saved.ok).toBe(true);
      if (!saved.ok) return;
      expect(await getQuestionLiveState(question.id, db)).toEqual({
        questionId: question.id,
        revealCrowd: "after_forecast",
        version: 2,
        aggregate: { method: saved.aggregate.method, centers: saved.aggregate.centers, lower: saved.aggregate.lower, upper: saved.aggregate.upper, count: 1 },
        baseline: [0.7, 0.3],
      });
    });
  });
}

describeLiveState("SQLite", () => getDb());

describe.skipIf(postgresSkipReason())("PostgreSQL", () => {
  let postgres: Db;
  beforeAll(() => {
    postgres = createDb(inject("postgresUrl") as string);
  });
  afterAll(() => postgres?.$disconnect());
  describeLiveState("PostgreSQL", () => postgres);
});
