// Public profiles against real databases: SQLite (this file's own copy) and, when
// TEST_POSTGRES_URL is set, the run's PostgreSQL database, which other test files share — so
// every test makes its own articles, questions and users.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, getDb, type Db } from "~/db.server";
import { postgresSkipReason } from "../../test/test-database";
import { createComment, deleteComment, hideComment } from "./comment.server";
import { saveForecast, withdrawForecast } from "./forecast.server";
import { getPublicProfile } from "./profile.server";

const unique = () => randomBytes(5).toString("hex");

async function makeUser(db: Db, options: { role?: string; displayName?: string } = {}) {
  const tag = unique();
  return db.user.create({
    data: { username: `reader_${tag}`, email: `reader_${tag}@example.com`, passwordHash: "x", role: options.role ?? "reader", displayName: options.displayName ?? null },
  });
}

async function makeQuestion(
  db: Db,
  options: { kind?: "scenarios" | "binary"; published?: boolean; revealCrowd?: "always" | "after_forecast"; title?: string } = {},
) {
  const tag = unique();
  const author = await makeUser(db, { role: "author" });
  const article = await db.article.create({
    data: { slug: `a-${tag}`, title: "T", dek: "D", summary: "S", body: "B", authorId: author.id, publishedAt: options.published === false ? null : new Date() },
  });
  const titles = options.kind === "binary" ? ["Yes", "No"] : ["First", "Second", "Third"];
  // Created out of order: the profile must list them by position.
  const scenarios = titles.map((title, position) => ({ position, title, summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" })).reverse();
  const question = await db.question.create({
    data: {
      articleId: article.id,
      position: 0,
      kind: options.kind ?? "scenarios",
      title: options.title ?? `Question ${tag}`,
      description: "D",
      revealCrowd: options.revealCrowd ?? "always",
      scenarios: { create: scenarios },
    },
  });
  return { question, author };
}

async function save(db: Db, questionId: string, userId: string, probabilities: number[]) {
  const outcome = await saveForecast({ questionId, userId, probabilities, rationale: null }, db);
  if (!outcome.ok) throw new Error(`forecast refused: ${outcome.code}`);
  return outcome;
}

async function comment(db: Db, questionId: string, userId: string, body: string) {
  const outcome = await createComment({ questionId, userId, body }, db);
  if (!outcome.ok) throw new Error(`comment refused: ${outcome.code}`);
  return outcome.value.id;
}

function describeProfiles(name: string, dbOf: () => Db) {
  describe(`public profiles on ${name}`, () => {
    it("is null for an unknown user and for a deleted one", async () => {
      const db = dbOf();
      expect(await getPublicProfile(`nobody_${unique()}`, db)).toBeNull();
      const user = await makeUser(db);
      expect(await getPublicProfile(user.username, db)).not.toBeNull();
      await db.user.update({ where: { id: user.id }, data: { deletedAt: new Date() } });
      expect(await getPublicProfile(user.username, db)).toBeNull();
    });

    it("finds the user whatever the case of the name, and says who they are", async () => {
      const db = dbOf();
      const user = await makeUser(db, { role: "author", displayName: "Ada L." });
      const profile = await getPublicProfile(user.username.toUpperCase(), db);
      expect(profile).toMatchObject({ username: user.username, displayName: "Ada L.", role: "author", joinedAt: user.createdAt, forecasts: [], comments: [] });
      expect(profile).toMatchObject({ forecastCount: 0, hiddenForecastCount: 0 });
    });

    it("lists only current forecasts, newest first, with the scenarios in position order", async () => {
      const db = dbOf();
      const user = await makeUser(db);
      const { question: updated } = await makeQuestion(db, { title: "Updated" });
      const { question: binary } = await makeQuestion(db, { kind: "binary", title: "Binary" });
      const { question: withdrawn } = await makeQuestion(db, { title: "Withdrawn" });
      await save(db, updated.id, user.id, [0.6, 0.3, 0.1]);
      await save(db, withdrawn.id, user.id, [0.2, 0.2, 0.6]);
      await withdrawForecast({ questionId: withdrawn.id, userId: user.id }, db);
      await save(db, binary.id, user.id, [0.62, 0.38]);
      const latest = await save(db, updated.id, user.id, [0.45, 0.35, 0.2]);

      const profile = await getPublicProfile(user.username, db);
      expect(profile?.forecasts).toEqual([
        {
          id: latest.forecastId,
          question: { id: updated.id, title: "Updated", kind: "scenarios" },
          scenarios: ["First", "Second", "Third"],
          probabilities: [0.45, 0.35, 0.2],
          createdAt: latest.at,
        },
        {
          id: expect.any(String),
          question: { id: binary.id, title: "Binary", kind: "binary" },
          scenarios: ["Yes", "No"],
          probabilities: [0.62, 0.38],
          createdAt: expect.any(Date),
        },
      ]);
      expect(profile).toMatchObject({ forecastCount: 2, hiddenForecastCount: 0 });
    });

    it("leaves out forecasts on questions that hide the crowd until one has forecast, and counts them", async () => {
      const db = dbOf();
      const user = await makeUser(db);
      const { question: open } = await makeQuestion(db);
      const { question: hiddenA } = await makeQuestion(db, { revealCrowd: "after_forecast" });
      const { question: hiddenB } = await makeQuestion(db, { revealCrowd: "after_forecast", kind: "binary" });
      await save(db, open.id, user.id, [0.5, 0.3, 0.2]);
      await save(db, hiddenA.id, user.id, [0.1, 0.1, 0.8]);
      await save(db, hiddenA.id, user.id, [0.2, 0.1, 0.7]);
      await save(db, hiddenB.id, user.id, [0.9, 0.1]);

      const profile = await getPublicProfile(user.username, db);
      expect(profile?.forecasts.map((forecast) => forecast.question.id)).toEqual([open.id]);
      // Superseded forecasts are not counted: one per question still standing.
      expect(profile).toMatchObject({ forecastCount: 1, hiddenForecastCount: 2 });
    });

    it("leaves out forecasts and comments on questions of unpublished articles", async () => {
      const db = dbOf();
      const user = await makeUser(db);
      const { question: shown } = await makeQuestion(db);
      const { question: unpublished } = await makeQuestion(db);
      await save(db, shown.id, user.id, [0.5, 0.3, 0.2]);
      await save(db, unpublished.id, user.id, [0.4, 0.4, 0.2]);
      await comment(db, shown.id, user.id, "Shown");
      await comment(db, unpublished.id, user.id, "About to vanish");
      // Unpublishing after the fact: both the forecast and the comment were written while it was out.
      await db.article.update({ where: { id: unpublished.articleId }, data: { publishedAt: null } });
      const hiddenUnpublished = await makeQuestion(db, { published: false, revealCrowd: "after_forecast" });
      await db.forecast.create({ data: { questionId: hiddenUnpublished.question.id, userId: user.id, probabilities: JSON.stringify([0.3, 0.3, 0.4]) } });

      const profile = await getPublicProfile(user.username, db);
      expect(profile?.forecasts.map((forecast) => forecast.question.id)).toEqual([shown.id]);
      expect(profile?.comments.map((item) => item.body)).toEqual(["Shown"]);
      expect(profile).toMatchObject({ forecastCount: 1, hiddenForecastCount: 0 });
    });

    it("lists shown comments only, newest first, with their question, score and the readers they moved", async () => {
      const db = dbOf();
      const user = await makeUser(db);
      const voter = await makeUser(db);
      const { question, author } = await makeQuestion(db, { title: "Discussed" });
      const start = Date.now() - 60_000;
      const first = await comment(db, question.id, user.id, "First *thoughts*");
      await db.comment.update({ where: { id: first }, data: { createdAt: new Date(start) } });
      const deleted = await comment(db, question.id, user.id, "Changed my mind about this one");
      const hidden = await comment(db, question.id, user.id, "Rude");
      const latest = await comment(db, question.id, user.id, "Second thoughts");
      await db.comment.update({ where: { id: latest }, data: { createdAt: new Date(start + 1_000), score: 3 } });
      expect(await deleteComment({ questionId: question.id, commentId: deleted, userId: user.id }, db)).toMatchObject({ ok: true });
      expect(await hideComment({ questionId: question.id, commentId: hidden, moderator: { id: author.id, role: "author" }, reason: "Be civil" }, db)).toMatchObject({ ok: true });
      const voterForecast = await save(db, question.id, voter.id, [0.2, 0.5, 0.3]);
      await db.commentCredit.create({ data: { commentId: first, userId: voter.id, forecastId: voterForecast.forecastId! } });
      // Someone else's comment on the same question is theirs, not this user's.
      await comment(db, question.id, voter.id, "Not mine");

      const profile = await getPublicProfile(user.username, db);
      expect(profile?.comments).toEqual([
        { id: latest, body: "Second thoughts", excerpt: "Second thoughts", createdAt: new Date(start + 1_000).toISOString(), question: { id: question.id, title: "Discussed" }, movedCount: 0, score: 3 },
        { id: first, body: "First *thoughts*", excerpt: "First thoughts", createdAt: new Date(start).toISOString(), question: { id: question.id, title: "Discussed" }, movedCount: 1, score: 0 },
      ]);
    });

    it("keeps comments on hidden-crowd questions (they are public on the question page) while leaving out the forecast", async () => {
      const db = dbOf();
      const user = await makeUser(db);
      const { question } = await makeQuestion(db, { revealCrowd: "after_forecast" });
      await save(db, question.id, user.id, [0.5, 0.3, 0.2]);
      const id = await comment(db, question.id, user.id, "My reasoning");
      const profile = await getPublicProfile(user.username, db);
      expect(profile?.forecasts).toEqual([]);
      expect(profile?.comments.map((item) => item.id)).toEqual([id]);
      expect(profile).toMatchObject({ forecastCount: 0, hiddenForecastCount: 1 });
    });
  });
}

describeProfiles("SQLite", () => getDb());

describe.skipIf(postgresSkipReason())("PostgreSQL", () => {
  let postgres: Db;
  beforeAll(() => {
    postgres = createDb(inject("postgresUrl") as string);
  });
  afterAll(async () => {
    await postgres?.$disconnect();
  });
  describeProfiles("PostgreSQL", () => postgres);
});
