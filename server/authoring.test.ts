// Authoring through the real server and the real Remix build: who may reach the /author pages,
// what each form writes, and that refused input leaves the database as it was.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "~/auth/account-forms";
import { getDb } from "~/db.server";
import { listBaselineRevisions } from "~/models/baseline.server";
import { projectRoot } from "../prisma/database-url";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { seedDatabase } from "../prisma/seeding";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

let server: CrowdlineServer;
let origin: string;
let seedArticleId: string;
let seedQuestionId: string;

beforeAll(async () => {
  const remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;
  await seedDatabase(getDb());
  server = await createCrowdlineServer({
    db: getDb(),
    logger: pino({ level: "silent" }),
    allowedOrigins: [],
    mode: "test",
    remixBuild,
    authAttemptsPerMinute: 10_000,
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  const seed = await getDb().article.findUniqueOrThrow({ where: { slug: openVsClosedAi2026.slug }, include: { questions: { orderBy: { position: "asc" } } } });
  seedArticleId = seed.id;
  seedQuestionId = seed.questions[0]!.id;
});

afterAll(async () => {
  await server?.close();
});

const runId = Math.random().toString(36).slice(2, 7);
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}_${runId}${++counter}`;
const uniqueSlug = (prefix: string) => `${prefix}-${runId}-${++counter}`;

function post(path: string, fields: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Origin: origin };
  if (cookie) headers.Cookie = cookie;
  return fetch(`${origin}${path}`, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

const get = (path: string, cookie?: string) => fetch(`${origin}${path}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: "manual" });

/** A signed-up account with `role`, as its session cookie and id. */
async function account(role: Role) {
  const username = uniqueName(role);
  const response = await post("/signup", { username, email: `${username}@example.com`, password: `pw-${username}-long` });
  expect(response.status).toBe(302);
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("session="))!.split(";")[0]!;
  const user = await getDb().user.update({ where: { username }, data: { role }, select: { id: true } });
  return { cookie, id: user.id };
}

const articleFields = (overrides: Record<string, string> = {}) => ({
  title: "Will the grid keep up?",
  slug: uniqueSlug("grid"),
  dek: "Data centres want more power than utilities can build.",
  summary: "Demand outruns supply.",
  body: "First paragraph.\r\n\r\nSecond paragraph.",
  ...overrides,
});

async function createArticleAs(cookie: string, overrides: Record<string, string> = {}) {
  const fields = articleFields(overrides);
  const response = await post("/author/articles/new", fields, cookie);
  expect(response.status).toBe(302);
  const location = response.headers.get("location")!;
  expect(location).toMatch(/^\/author\/articles\/[^/]+$/);
  return { id: location.split("/").at(-1)!, slug: fields.slug, path: location };
}

async function createQuestionAs(cookie: string, articlePath: string, scenarioTitles = "Grid keeps up\nRationing\nOn-site generation") {
  const response = await post(
    articlePath,
    { intent: "question", kind: "scenarios", title: "How will data centres get power by 2028?", description: "Pick one.", revealCrowd: "after_forecast", closesAt: "2028-01-01", scenarioTitles },
    cookie,
  );
  expect(response.status).toBe(200);
  expect(await response.text()).toContain("Question added");
  const articleId = articlePath.split("/").at(-1)!;
  return getDb().question.findFirstOrThrow({ where: { articleId }, orderBy: { position: "desc" }, include: { scenarios: { orderBy: { position: "asc" } } } });
}

/** Everything the author pages can write, to compare before and after a refused request. */
const snapshot = async () => ({
  articles: await getDb().article.findMany({ orderBy: { id: "asc" } }),
  questions: await getDb().question.findMany({ orderBy: { id: "asc" } }),
  scenarios: await getDb().scenario.findMany({ orderBy: { id: "asc" } }),
  revisions: await getDb().baselineRevision.count(),
});

describe("who may author", () => {
  it("sends an anonymous visitor to the login page", async () => {
    const response = await get("/author");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?redirectTo=%2Fauthor");
  });

  it("answers a reader with 403 on every author page and action, and writes nothing", async () => {
    const reader = await account("reader");
    for (const page of ["/author", "/author/articles/new", `/author/articles/${seedArticleId}`, `/author/questions/${seedQuestionId}`]) {
      const response = await get(page, reader.cookie);
      expect(response.status, page).toBe(403);
      expect(await response.text()).toContain("This page isn’t open to your account");
    }
    const before = await snapshot();
    const attempts = [
      post("/author/articles/new", articleFields(), reader.cookie),
      post(`/author/articles/${seedArticleId}`, { intent: "unpublish" }, reader.cookie),
      post(`/author/articles/${seedArticleId}`, { intent: "article", ...articleFields({ slug: openVsClosedAi2026.slug }) }, reader.cookie),
      post(`/author/questions/${seedQuestionId}`, { intent: "status", status: "closed" }, reader.cookie),
      post(`/author/questions/${seedQuestionId}`, { intent: "add-scenario", title: "Sneaky" }, reader.cookie),
    ];
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("keeps another author out of someone else's article and its questions (403), writing nothing", async () => {
    const owner = await account("author");
    const intruder = await account("author");
    const article = await createArticleAs(owner.cookie);
    const question = await createQuestionAs(owner.cookie, article.path);

    const page = await get(article.path, intruder.cookie);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only the article’s author or an admin can change this article");
    expect((await get(`/author/questions/${question.id}`, intruder.cookie)).status).toBe(403);
    expect(await (await get("/author", intruder.cookie)).text()).not.toContain(article.path);

    const before = await snapshot();
    const attempts = [
      post(article.path, { intent: "article", ...articleFields({ title: "Hijacked", slug: article.slug }) }, intruder.cookie),
      post(article.path, { intent: "publish" }, intruder.cookie),
      post(article.path, { intent: "question", kind: "binary", title: "Mine now?", revealCrowd: "always" }, intruder.cookie),
      post(`/author/questions/${question.id}`, { intent: "status", status: "closed" }, intruder.cookie),
      post(`/author/questions/${question.id}`, { intent: "baseline", note: "mine", ...Object.fromEntries(question.scenarios.map((s, i) => [`p_${s.id}`, i === 0 ? "100" : "0"])) }, intruder.cookie),
    ];
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("answers an article or question id that does not exist with 404", async () => {
    const author = await account("author");
    expect((await get("/author/articles/no-such-article", author.cookie)).status).toBe(404);
    expect((await get("/author/questions/no-such-question", author.cookie)).status).toBe(404);
    expect((await post("/author/articles/no-such-article", { intent: "publish" }, author.cookie)).status).toBe(404);
  });

  it("lets an admin edit any author's article", async () => {
    const owner = await account("author");
    const admin = await account("admin");
    const article = await createArticleAs(owner.cookie);
    const response = await post(article.path, { intent: "article", ...articleFields({ title: "Edited by the desk", slug: article.slug }) }, admin.cookie);
    expect(response.status).toBe(200);
    expect((await getDb().article.findUniqueOrThrow({ where: { id: article.id } })).title).toBe("Edited by the desk");
    expect(await (await get("/author", admin.cookie)).text()).toContain(article.path);
  });
});

describe("an author's article, from draft to published", () => {
  it("creates a draft, a question with three scenarios and a baseline, closes the question and publishes", async () => {
    const author = await account("author");
    const article = await createArticleAs(author.cookie);
    const draft = await getDb().article.findUniqueOrThrow({ where: { id: article.id } });
    expect(draft).toMatchObject({ authorId: author.id, publishedAt: null, body: "First paragraph.\n\nSecond paragraph." });
    expect((await get(`/articles/${article.slug}`)).status).toBe(404);
    const listing = await get("/author", author.cookie);
    expect(listing.headers.get("cache-control")).toBe("private, no-store");
    expect(await listing.text()).toContain("Will the grid keep up?");

    const question = await createQuestionAs(author.cookie, article.path);
    expect(question).toMatchObject({ position: 0, kind: "scenarios", revealCrowd: "after_forecast", status: "open" });
    expect(question.closesAt?.toISOString()).toBe("2028-01-01T00:00:00.000Z");
    expect(question.scenarios.map(({ position, title }) => [position, title])).toEqual([
      [0, "Grid keeps up"],
      [1, "Rationing"],
      [2, "On-site generation"],
    ]);

    const questionPath = `/author/questions/${question.id}`;
    const page = await (await get(questionPath, author.cookie)).text();
    for (const scenario of question.scenarios) expect(page).toContain(`name="p_${scenario.id}"`);

    const [a, b, c] = question.scenarios.map((scenario) => `p_${scenario.id}`) as [string, string, string];
    const published = await post(questionPath, { intent: "baseline", [a]: "50", [b]: "30", [c]: "20", note: "Utilities' filings" }, author.cookie);
    expect(published.status).toBe(200);
    expect(await published.text()).toContain("Baseline revision published");
    const revisions = await listBaselineRevisions(question.id);
    expect(revisions).toHaveLength(1);
    expect(revisions[0]!.probabilities.map((p) => Math.round(p * 100))).toEqual([50, 30, 20]);
    expect(revisions[0]!.note).toBe("Utilities' filings");

    const closed = await post(questionPath, { intent: "status", status: "closed" }, author.cookie);
    expect(closed.status).toBe(200);
    expect(await closed.text()).toContain("Forecasting closed");
    expect((await getDb().question.findUniqueOrThrow({ where: { id: question.id } })).status).toBe("closed");

    const publish = await post(article.path, { intent: "publish" }, author.cookie);
    expect(publish.status).toBe(200);
    expect((await getDb().article.findUniqueOrThrow({ where: { id: article.id } })).publishedAt).not.toBeNull();
    const publicPage = await get(`/articles/${article.slug}`);
    expect(publicPage.status).toBe(200);
    expect(await publicPage.text()).toContain("How will data centres get power by 2028?");
  });
});

describe("binary claims", () => {
  it("get Yes and No, a baseline from the Yes field alone, and no extra scenarios", async () => {
    const author = await account("author");
    const article = await createArticleAs(author.cookie);
    const added = await post(article.path, { intent: "question", kind: "binary", title: "Will rationing start by 2027?", revealCrowd: "always", scenarioTitles: "ignored\nlines" }, author.cookie);
    expect(added.status).toBe(200);
    const question = await getDb().question.findFirstOrThrow({ where: { articleId: article.id }, include: { scenarios: { orderBy: { position: "asc" } } } });
    expect(question.scenarios.map(({ position, title }) => [position, title])).toEqual([
      [0, "Yes"],
      [1, "No"],
    ]);

    const questionPath = `/author/questions/${question.id}`;
    const page = await (await get(questionPath, author.cookie)).text();
    expect(page).toContain(`name="p_${question.scenarios[0]!.id}"`);
    expect(page).not.toContain(`name="p_${question.scenarios[1]!.id}"`);
    const baseline = await post(questionPath, { intent: "baseline", [`p_${question.scenarios[0]!.id}`]: "30", note: "Unlikely so soon" }, author.cookie);
    expect(baseline.status).toBe(200);
    const [revision] = await listBaselineRevisions(question.id);
    expect(revision!.probabilities[0]).toBeCloseTo(0.3, 12);
    expect(revision!.probabilities[1]).toBeCloseTo(0.7, 12);

    const extra = await post(questionPath, { intent: "add-scenario", title: "Maybe" }, author.cookie);
    expect(extra.status).toBe(409);
    expect(await extra.text()).toContain("A binary question always has exactly the two scenarios Yes and No");
    expect(await getDb().scenario.count({ where: { questionId: question.id } })).toBe(2);
  });
});

describe("bad input answers 4xx with a message and writes nothing", () => {
  let author: { cookie: string; id: string };
  let article: { id: string; slug: string; path: string };
  let question: Awaited<ReturnType<typeof createQuestionAs>>;

  beforeAll(async () => {
    author = await account("author");
    article = await createArticleAs(author.cookie);
    question = await createQuestionAs(author.cookie, article.path);
  });

  const percentages = (values: string[]) => Object.fromEntries(question.scenarios.map((scenario, index) => [`p_${scenario.id}`, values[index] ?? ""]));

  const cases: Array<[string, () => [string, Record<string, string>], number, string]> = [
    ["a baseline summing to 97 %", () => [`/author/questions/${question.id}`, { intent: "baseline", ...percentages(["50", "30", "17"]), note: "n" }], 422, "they add up to 97 %"],
    ["a baseline without a note", () => [`/author/questions/${question.id}`, { intent: "baseline", ...percentages(["50", "30", "20"]) }], 422, "Say in a sentence why the baseline changes"],
    ["a baseline with a missing percentage", () => [`/author/questions/${question.id}`, { intent: "baseline", ...percentages(["50", "50"]), note: "n" }], 422, "Give a probability for “On-site generation”"],
    ["a 10 KB article title", () => ["/author/articles/new", articleFields({ title: "x".repeat(10_240) })], 422, "Title must be at most 200 characters"],
    ["a duplicate slug on a new article", () => ["/author/articles/new", articleFields({ slug: openVsClosedAi2026.slug })], 409, "That slug is taken"],
    ["a duplicate slug on an edit", () => [article.path, { intent: "article", ...articleFields({ slug: openVsClosedAi2026.slug }) }], 409, "That slug is taken"],
    ["a slug with a slash", () => ["/author/articles/new", articleFields({ slug: "../admin" })], 422, "Slug may contain only letters a–z"],
    ["a question with one scenario", () => [article.path, { intent: "question", kind: "scenarios", title: "Q", revealCrowd: "always", scenarioTitles: "Only" }], 422, "at least 2 scenario titles"],
    ["a question title of 10 KB", () => [article.path, { intent: "question", kind: "binary", title: "q".repeat(10_240), revealCrowd: "always" }], 422, "Question title must be at most 300 characters"],
    ["a question of an unknown kind", () => [article.path, { intent: "question", kind: "poll", title: "Q", revealCrowd: "always" }], 422, "Choose the kind of question"],
    ["a 10 KB scenario title", () => [`/author/questions/${question.id}`, { intent: "add-scenario", title: "s".repeat(10_240) }], 422, "Scenario title must be at most 120 characters"],
    ["a bogus question status", () => [`/author/questions/${question.id}`, { intent: "status", status: "deleted" }], 422, "Status must be open or closed"],
    ["an impossible closing date", () => [`/author/questions/${question.id}`, { intent: "settings", title: "Q", revealCrowd: "always", closesAt: "2027-02-30" }], 422, "Closes at must be a date like 2028-01-31"],
    ["an unknown intent", () => [article.path, { intent: "delete-everything" }], 400, "Unknown action"],
  ];

  for (const [name, request, status, message] of cases) {
    it(`refuses ${name} with ${status}`, async () => {
      const before = await snapshot();
      const [target, fields] = request();
      const response = await post(target, fields, author.cookie);
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("refuses to publish an article without a body, and to move a published article's slug", async () => {
    const bodiless = await createArticleAs(author.cookie, { body: "" });
    const refused = await post(bodiless.path, { intent: "publish" }, author.cookie);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Write the body before publishing");
    expect((await getDb().article.findUniqueOrThrow({ where: { id: bodiless.id } })).publishedAt).toBeNull();

    expect((await post(article.path, { intent: "publish" }, author.cookie)).status).toBe(200);
    const before = await snapshot();
    const moved = await post(article.path, { intent: "article", ...articleFields({ slug: uniqueSlug("moved") }) }, author.cookie);
    expect(moved.status).toBe(409);
    expect(await moved.text()).toContain("The slug cannot change once the article is published");
    expect(await snapshot()).toEqual(before);
  });
});

describe("scenarios once readers have forecast", () => {
  it("adds a scenario before the first forecast and refuses one after it, while texts stay editable", async () => {
    const author = await account("author");
    const reader = await account("reader");
    const article = await createArticleAs(author.cookie);
    const question = await createQuestionAs(author.cookie, article.path, "One\nTwo\nThree");
    const questionPath = `/author/questions/${question.id}`;

    const added = await post(questionPath, { intent: "add-scenario", title: "Four", summary: "A late idea" }, author.cookie);
    expect(added.status).toBe(200);
    expect(await added.text()).toContain("Scenario added");
    expect(await getDb().scenario.count({ where: { questionId: question.id } })).toBe(4);

    await getDb().forecast.create({ data: { questionId: question.id, userId: reader.id, probabilities: JSON.stringify([0.4, 0.3, 0.2, 0.1]) } });
    const before = await snapshot();
    const refused = await post(questionPath, { intent: "add-scenario", title: "Five" }, author.cookie);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Scenarios cannot be added once readers have forecast");
    expect(await snapshot()).toEqual(before);
    expect(await (await get(questionPath, author.cookie)).text()).toContain("its scenarios are fixed");

    const scenarios = await getDb().scenario.findMany({ where: { questionId: question.id }, orderBy: { position: "asc" } });
    const fields: Record<string, string> = { intent: "scenarios" };
    scenarios.forEach((scenario, index) => {
      fields[`scenarios[${index}].id`] = scenario.id;
      fields[`scenarios[${index}].title`] = `${scenario.title}!`;
      fields[`scenarios[${index}].whatHappens`] = "first\r\n\r\nsecond";
    });
    const edited = await post(questionPath, fields, author.cookie);
    expect(edited.status).toBe(200);
    const after = await getDb().scenario.findMany({ where: { questionId: question.id }, orderBy: { position: "asc" } });
    expect(after.map((scenario) => [scenario.title, scenario.whatHappens])).toEqual(scenarios.map((scenario) => [`${scenario.title}!`, "first\nsecond"]));

    // A form that reorders the scenarios is refused whole.
    const swapped = { ...fields, "scenarios[0].id": scenarios[1]!.id, "scenarios[1].id": scenarios[0]!.id };
    const reordered = await post(questionPath, swapped, author.cookie);
    expect(reordered.status).toBe(409);
    expect(await getDb().scenario.findMany({ where: { questionId: question.id }, orderBy: { position: "asc" } })).toEqual(after);
  });
});
