import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Role } from "~/auth/account-forms";
import { createDb, getDb, type Db } from "~/db.server";
import { seedDatabase } from "../../prisma/seeding";
import { openVsClosedAi2026 } from "../../prisma/seed-data/open-vs-closed-ai-2026";
import { postgresSkipReason } from "../../test/test-database";
import {
  AuthoringConflictError,
  addScenario,
  createArticle,
  createQuestion,
  getArticleForEditing,
  getQuestionForEditing,
  listArticlesForAuthor,
  setArticlePublished,
  setQuestionStatus,
  updateArticle,
  updateQuestionSettings,
  updateScenarioTexts,
} from "./authoring.server";

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

async function makeUser(role: Role) {
  const username = unique(role).replace("-", "_");
  return getDb().user.create({ data: { username, email: `${username}@example.com`, passwordHash: "!", role }, select: { id: true, role: true } }) as Promise<{
    id: string;
    role: Role;
  }>;
}

const texts = (slug = unique("article")) => ({ title: "A title", slug, dek: "A standfirst", summary: "In brief.", body: "One.\n\nTwo." });
const settings = { title: "Which one?", description: "Pick.", revealCrowd: "always" as const, closesAt: null };

async function conflictOf(attempt: Promise<unknown>) {
  const error = await attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuthoringConflictError);
  return (error as AuthoringConflictError).reason;
}

let author: { id: string; role: Role };

beforeAll(async () => {
  await seedDatabase(getDb());
  author = await makeUser("author");
});

describe("articles", () => {
  it("creates a draft and lists it for its author only; an admin sees every article", async () => {
    const other = await makeUser("author");
    const admin = await makeUser("admin");
    const created = await createArticle({ ...texts(), authorId: author.id });
    const row = await getDb().article.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.publishedAt).toBeNull();

    expect((await listArticlesForAuthor(author)).map((article) => article.id)).toContain(created.id);
    expect(await listArticlesForAuthor(other)).toEqual([]);
    const all = await listArticlesForAuthor(admin);
    expect(all.map((article) => article.slug)).toEqual(expect.arrayContaining([created.slug, openVsClosedAi2026.slug]));
    expect(all.find((article) => article.slug === openVsClosedAi2026.slug)).toMatchObject({ questionCount: openVsClosedAi2026.questions.length, authorName: openVsClosedAi2026.author.displayName });
  });

  it("refuses a taken slug with slug_taken and writes nothing", async () => {
    const before = await getDb().article.count();
    expect(await conflictOf(createArticle({ ...texts(openVsClosedAi2026.slug), authorId: author.id }))).toBe("slug_taken");
    expect(await getDb().article.count()).toBe(before);
  });

  it("changes the slug of a draft, but not of a published article", async () => {
    const { id } = await createArticle({ ...texts(), authorId: author.id });
    const renamed = unique("renamed");
    expect(await updateArticle(id, { ...texts(renamed), title: "New title" })).toBe(true);
    expect((await getArticleForEditing(id))?.slug).toBe(renamed);

    const publishedAt = await setArticlePublished(id, true, new Date("2026-03-01T00:00:00.000Z"));
    expect(publishedAt?.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(await conflictOf(updateArticle(id, texts(unique("moved"))))).toBe("slug_locked");
    expect(await updateArticle(id, { ...texts(renamed), body: "Revised." })).toBe(true);
    const saved = await getArticleForEditing(id);
    expect(saved).toMatchObject({ slug: renamed, body: "Revised.", title: "A title" });
  });

  it("refuses to rename a draft to a taken slug", async () => {
    const { id } = await createArticle({ ...texts(), authorId: author.id });
    expect(await conflictOf(updateArticle(id, texts(openVsClosedAi2026.slug)))).toBe("slug_taken");
  });

  it("keeps the first publication date when published twice, and clears it when unpublished", async () => {
    const { id } = await createArticle({ ...texts(), authorId: author.id });
    const first = new Date("2026-04-01T00:00:00.000Z");
    expect(await setArticlePublished(id, true, first)).toEqual(first);
    expect(await setArticlePublished(id, true, new Date("2026-04-02T00:00:00.000Z"))).toEqual(first);
    expect(await setArticlePublished(id, false)).toBeNull();
    expect((await getArticleForEditing(id))?.publishedAt).toBeNull();
  });

  it("answers missing articles with false, undefined and null", async () => {
    expect(await updateArticle("no-such-article", texts())).toBe(false);
    expect(await setArticlePublished("no-such-article", true)).toBeUndefined();
    expect(await getArticleForEditing("no-such-article")).toBeNull();
    expect(await createQuestion({ articleId: "no-such-article", kind: "binary", scenarioTitles: [], settings })).toBeNull();
  });
});

describe("questions and scenarios", () => {
  it("appends questions at the next position with scenarios at 0..K-1, and counts forecasts for the edit page", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    const first = await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["Open", "Closed", "Split"], settings });
    const second = await createQuestion({ articleId, kind: "binary", scenarioTitles: ["ignored"], settings: { ...settings, title: "Yes or no?" } });

    const article = await getArticleForEditing(articleId);
    expect(article?.questions.map(({ id, position, kind, scenarioCount }) => ({ id, position, kind, scenarioCount }))).toEqual([
      { id: first!.id, position: 0, kind: "scenarios", scenarioCount: 3 },
      { id: second!.id, position: 1, kind: "binary", scenarioCount: 2 },
    ]);
    const binary = await getQuestionForEditing(second!.id);
    expect(binary?.scenarios.map(({ position, title }) => [position, title])).toEqual([
      [0, "Yes"],
      [1, "No"],
    ]);

    await getDb().forecast.create({ data: { questionId: first!.id, userId: author.id, probabilities: JSON.stringify([0.5, 0.3, 0.2]) } });
    expect((await getArticleForEditing(articleId))?.questions[0]?.forecastCount).toBe(1);
    expect((await getQuestionForEditing(first!.id))?.forecastCount).toBe(1);
  });

  it("refuses a question with fewer than two scenarios", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    await expect(createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["Alone"], settings })).rejects.toBeInstanceOf(RangeError);
    expect(await getDb().question.count({ where: { articleId } })).toBe(0);
  });

  it("edits settings, status and scenario texts, and gives the current baseline", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    const { id } = (await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["A", "B"], settings }))!;
    const closesAt = new Date("2028-01-01T00:00:00.000Z");
    expect(await updateQuestionSettings(id, { title: "Renamed", description: "", revealCrowd: "after_forecast", closesAt })).toBe(true);
    expect(await setQuestionStatus(id, "closed")).toBe(true);

    const [a, b] = (await getQuestionForEditing(id))!.scenarios;
    await updateScenarioTexts(id, [
      { id: a!.id, title: "A!", summary: "s", whatHappens: "one\ntwo", catalysts: "c", timeline: "2027", thesis: "t" },
      { id: b!.id, title: "B!", summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" },
    ]);
    await getDb().baselineRevision.create({ data: { questionId: id, authorId: author.id, probabilities: "[0.7,0.3]", note: "n" } });

    const question = await getQuestionForEditing(id);
    expect(question).toMatchObject({ title: "Renamed", revealCrowd: "after_forecast", status: "closed", closesAt, currentBaseline: [0.7, 0.3], forecastCount: 0 });
    expect(question?.scenarios.map((scenario) => scenario.title)).toEqual(["A!", "B!"]);
    expect(question?.scenarios[0]?.whatHappens).toBe("one\ntwo");
    expect(await setQuestionStatus("no-such-question", "open")).toBe(false);
    expect(await updateQuestionSettings("no-such-question", settings)).toBe(false);
  });

  it("refuses scenario texts for a different set or order of scenarios, writing none of them", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    const { id } = (await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["A", "B"], settings }))!;
    const [a, b] = (await getQuestionForEditing(id))!.scenarios;
    const row = (scenarioId: string, title: string) => ({ id: scenarioId, title, summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" });
    expect(await conflictOf(updateScenarioTexts(id, [row(b!.id, "B?"), row(a!.id, "A?")]))).toBe("scenarios_changed");
    expect(await conflictOf(updateScenarioTexts(id, [row(a!.id, "A?")]))).toBe("scenarios_changed");
    expect((await getQuestionForEditing(id))?.scenarios.map((scenario) => scenario.title)).toEqual(["A", "B"]);
  });

  it("adds scenarios at the end until the first forecast, then refuses", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    const { id } = (await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["A", "B"], settings }))!;
    await addScenario(id, { title: "C", summary: "third" });
    expect((await getQuestionForEditing(id))?.scenarios.map(({ position, title, summary }) => [position, title, summary])).toEqual([
      [0, "A", ""],
      [1, "B", ""],
      [2, "C", "third"],
    ]);

    await getDb().forecast.create({ data: { questionId: id, userId: author.id, probabilities: JSON.stringify([0.2, 0.3, 0.5]) } });
    expect(await conflictOf(addScenario(id, { title: "D", summary: "" }))).toBe("scenarios_frozen");
    expect(await getDb().scenario.count({ where: { questionId: id } })).toBe(3);
    expect(await addScenario("no-such-question", { title: "D", summary: "" })).toBeNull();
  });

  it("stops at eight scenarios and never adds one to a binary question", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: author.id });
    const full = await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["1", "2", "3", "4", "5", "6", "7", "8"], settings });
    expect(await conflictOf(addScenario(full!.id, { title: "9", summary: "" }))).toBe("scenario_limit");
    const binary = await createQuestion({ articleId, kind: "binary", scenarioTitles: [], settings });
    expect(await conflictOf(addScenario(binary!.id, { title: "Maybe", summary: "" }))).toBe("binary_scenarios");
    expect(await getDb().scenario.count({ where: { questionId: binary!.id } })).toBe(2);
  });
});

/** The races the unique indexes and row locks decide, on whichever database `getDb()` returns. */
function describeRaces() {
  let owner: { id: string; role: Role };
  beforeAll(async () => {
    owner = await makeUser("author");
  });

  it("lets one of three racing creations of a slug through; the others get slug_taken", async () => {
    const slug = unique("race");
    const results = await Promise.allSettled([1, 2, 3].map(() => createArticle({ ...texts(slug), authorId: owner.id })));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) if (result.status === "rejected") expect((result.reason as AuthoringConflictError).reason).toBe("slug_taken");
    expect(await getDb().article.count({ where: { slug } })).toBe(1);
    const { id } = await createArticle({ ...texts(), authorId: owner.id });
    expect(await conflictOf(updateArticle(id, texts(slug)))).toBe("slug_taken");
  });

  it("gives racing new questions of one article distinct positions", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: owner.id });
    await Promise.all([1, 2, 3].map((n) => createQuestion({ articleId, kind: "binary", scenarioTitles: [], settings: { ...settings, title: `Q${n}` } })));
    const positions = (await getArticleForEditing(articleId))?.questions.map((question) => question.position);
    expect(positions).toEqual([0, 1, 2]);
  });

  it("refuses a scenario once a forecast exists", async () => {
    const { id: articleId } = await createArticle({ ...texts(), authorId: owner.id });
    const { id } = (await createQuestion({ articleId, kind: "scenarios", scenarioTitles: ["A", "B"], settings }))!;
    await getDb().forecast.create({ data: { questionId: id, userId: owner.id, probabilities: JSON.stringify([0.5, 0.5]) } });
    expect(await conflictOf(addScenario(id, { title: "C", summary: "" }))).toBe("scenarios_frozen");
    expect(await getDb().scenario.count({ where: { questionId: id } })).toBe(2);
  });
}

describe("races on SQLite", () => {
  describeRaces();
});

describe.skipIf(postgresSkipReason())("races on PostgreSQL", () => {
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

  describeRaces();
});
