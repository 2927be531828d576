// The discussion through the real server and the real Remix build: the question page's comment
// intents as a fetcher posts them (status, message, and nothing stored when refused), the
// per-user comment limit, and live delivery of new comments to the question's sockets.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import type { CommentEvent } from "~/realtime/contract";
import { createSignedInReaders } from "../test/signed-in-readers";
import { redisSkipReason } from "../test/test-database";
import type { CrowdlineServer } from "./app";
import { connectClient, disconnectClients, join, loadRemixBuild, nextEvent, saveForecast, signUp, startServer, type TestQuestion } from "./realtime-testing";

let server: CrowdlineServer;
let origin: string;
let remixBuild: Awaited<ReturnType<typeof loadRemixBuild>>;

beforeAll(async () => {
  remixBuild = await loadRemixBuild();
  ({ server, origin } = await startServer({ remixBuild, commentsPerMinute: 5 }));
});

afterAll(async () => {
  disconnectClients();
  await server?.close();
});

const tag = () => randomBytes(5).toString("hex");

/** A published article with one open binary question; its author has a session (`authorCookie`). */
async function makeQuestion(options: { revealCrowd?: "always" | "after_forecast" } = {}) {
  const db = getDb();
  const [author] = await createSignedInReaders(db, 1, `comment_author_${tag()}`);
  await db.user.update({ where: { id: author!.userId }, data: { role: "author" } });
  const slug = `comments-${tag()}`;
  const article = await db.article.create({ data: { slug, title: "T", dek: "D", summary: "S", body: "B", authorId: author!.userId, publishedAt: new Date() } });
  const question = await db.question.create({
    data: {
      articleId: article.id,
      position: 0,
      kind: "binary",
      title: "Will it?",
      description: "",
      revealCrowd: options.revealCrowd ?? "always",
      scenarios: { create: ["Yes", "No"].map((title, position) => ({ position, title, summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" })) },
    },
    include: { scenarios: { orderBy: { position: "asc" } } },
  });
  const testQuestion: TestQuestion = { id: question.id, yesScenarioId: question.scenarios[0]!.id };
  return { ...testQuestion, authorCookie: `session=${author!.token}` };
}

/** A fetcher's POST to the question page's action (single fetch: `<path>.data`, a turbo-stream answer). */
function act(questionId: string, fields: Record<string, string>, options: { cookie?: string; origin?: string | null; path?: string } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (options.origin !== null) headers.Origin = options.origin ?? origin;
  if (options.cookie) headers.Cookie = options.cookie;
  return fetch(`${origin}${options.path ?? `/questions/${questionId}.data`}`, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

/** Posts a comment that must be accepted; returns its id. */
async function comment(questionId: string, cookie: string, body: string, extra: Record<string, string> = {}) {
  const response = await act(questionId, { intent: "comment", body, ...extra }, { cookie });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  const row = await getDb().comment.findFirstOrThrow({ where: { questionId, body }, orderBy: { createdAt: "desc" } });
  expect(text).toContain(row.id);
  return row.id;
}

/** Everything the discussion of a question has stored. */
const stored = async (questionId: string) => {
  const db = getDb();
  const ofQuestion = { comment: { questionId } };
  return {
    comments: await db.comment.findMany({ where: { questionId }, orderBy: { id: "asc" }, select: { id: true, body: true, editedAt: true, deletedAt: true, hiddenAt: true, score: true } }),
    revisions: await db.commentRevision.count({ where: ofQuestion }),
    votes: await db.commentVote.count({ where: ofQuestion }),
    reports: await db.commentReport.count({ where: ofQuestion }),
    credits: await db.commentCredit.count({ where: ofQuestion }),
  };
};

describe("posting a comment", () => {
  it("stores it and answers 201 with the comment as its author sees it", async () => {
    const question = await makeQuestion();
    const { cookie, userId, username } = await signUp(origin);
    const body = "  Indented: kept as typed.\n\nSecond paragraph";
    const response = await act(question.id, { intent: "comment", body, scenarioId: question.yesScenarioId, stance: "for" }, { cookie });
    expect(response.status).toBe(201);
    const text = await response.text();
    const row = await getDb().comment.findFirstOrThrow({ where: { questionId: question.id } });
    expect(row).toMatchObject({ userId, body, scenarioId: question.yesScenarioId, stance: "for", depth: 0 });
    expect(text).toContain(row.id);
    expect(text).toContain(username);
    expect(text).toContain("Second paragraph");
  });

  it("sends a visitor to log in first and stores nothing", async () => {
    const question = await makeQuestion();
    const before = await stored(question.id);
    const document = await act(question.id, { intent: "comment", body: "Anonymous" }, { path: `/questions/${question.id}` });
    expect(document.status).toBe(302);
    expect(document.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(`/questions/${question.id}`)}`);
    // A fetcher gets single fetch's redirect answer, to the same place.
    const fetcher = await act(question.id, { intent: "comment", body: "Anonymous" });
    expect(fetcher.status).toBe(202);
    expect(await fetcher.text()).toContain(`/login?redirectTo=${encodeURIComponent(`/questions/${question.id}`)}`);
    expect(await stored(question.id)).toEqual(before);
  });

  it("refuses a post without an Origin (or Referer) and one from a foreign origin with 403, storing nothing", async () => {
    const question = await makeQuestion();
    const { cookie } = await signUp(origin);
    const before = await stored(question.id);
    for (const from of [null, "https://evil.example", "null"]) {
      const response = await act(question.id, { intent: "comment", body: "Cross-site" }, { cookie, origin: from });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/did not come from a Crowdline page/);
    }
    expect(await stored(question.id)).toEqual(before);
  });

  const tooLong: [string, string, number, RegExp][] = [
    ["an empty body", "", 422, /Write a comment first/],
    ["a body of spaces and newlines", "   \n\n\t ", 422, /Write a comment first/],
    ["10 001 characters", "x".repeat(10_001), 422, /A comment can be at most 10,000 characters \(this one has 10,001\)/],
    ["1 000 000 characters (under the 1 MiB cap)", "x".repeat(1_000_000), 422, /A comment can be at most 10,000 characters \(this one has 1,000,000\)/],
    ["more than 1 MiB", "x".repeat(1024 * 1024 + 1), 413, /larger than any form on this site sends/],
  ];
  it.each(tooLong)("refuses %s with a message, storing nothing", async (_name, body, status, message) => {
    const question = await makeQuestion();
    const { cookie } = await signUp(origin);
    const before = await stored(question.id);
    const response = await act(question.id, { intent: "comment", body }, { cookie });
    expect(response.status).toBe(status);
    expect(await response.text()).toMatch(message);
    expect(await stored(question.id)).toEqual(before);
  });

  it("takes exactly 10 000 characters", async () => {
    const question = await makeQuestion();
    const { cookie } = await signUp(origin);
    await comment(question.id, cookie, "y".repeat(10_000));
  });

  it("refuses a stance without a scenario with 422", async () => {
    const question = await makeQuestion();
    const { cookie } = await signUp(origin);
    const response = await act(question.id, { intent: "comment", body: "I am for", stance: "for" }, { cookie });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/Pick the scenario you argue for or against/);
    expect((await stored(question.id)).comments).toEqual([]);
  });
});

describe("refused changes get a 4xx and a message, and change nothing", () => {
  it("a reply to another question's comment: 422", async () => {
    const question = await makeQuestion();
    const other = await makeQuestion();
    const alice = await signUp(origin);
    const bob = await signUp(origin);
    const elsewhere = await comment(other.id, alice.cookie, "On the other question");
    const before = [await stored(question.id), await stored(other.id)];
    const response = await act(question.id, { intent: "comment", body: "Reply", parentId: elsewhere }, { cookie: bob.cookie });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/You can only reply to comments on this question/);
    expect([await stored(question.id), await stored(other.id)]).toEqual(before);
  });

  it("a reply to a deleted comment: 409", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const bob = await signUp(origin);
    const doomed = await comment(question.id, alice.cookie, "Soon gone");
    const deleted = await act(question.id, { intent: "delete-comment", commentId: doomed }, { cookie: alice.cookie });
    expect(deleted.status).toBe(200);
    const before = await stored(question.id);
    expect(before.comments[0]?.deletedAt).not.toBeNull();
    const response = await act(question.id, { intent: "comment", body: "Reply", parentId: doomed }, { cookie: bob.cookie });
    expect(response.status).toBe(409);
    expect(await response.text()).toMatch(/That comment was deleted or hidden; it can no longer be replied to/);
    expect(await stored(question.id)).toEqual(before);
  });

  it("a vote on one's own comment: 403", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const mine = await comment(question.id, alice.cookie, "Mine");
    const before = await stored(question.id);
    const response = await act(question.id, { intent: "vote", commentId: mine, value: "1" }, { cookie: alice.cookie });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/You cannot vote on your own comment/);
    expect(await stored(question.id)).toEqual(before);
    // Someone else's vote goes through, to show the refusal was about whose comment it is.
    const bob = await signUp(origin);
    const vote = await act(question.id, { intent: "vote", commentId: mine, value: "1" }, { cookie: bob.cookie });
    expect(vote.status).toBe(200);
    expect((await stored(question.id)).comments[0]?.score).toBe(1);
  });

  it("an edit of someone else's comment: 403", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const bob = await signUp(origin);
    const hers = await comment(question.id, alice.cookie, "Hers");
    const before = await stored(question.id);
    const response = await act(question.id, { intent: "edit-comment", commentId: hers, body: "Now mine" }, { cookie: bob.cookie });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/You can only edit your own comments/);
    expect(await stored(question.id)).toEqual(before);
    // Its author can.
    const edited = await act(question.id, { intent: "edit-comment", commentId: hers, body: "Hers, edited" }, { cookie: alice.cookie });
    expect(edited.status).toBe(200);
    expect(await edited.text()).toContain("Hers, edited");
    expect(await stored(question.id)).toMatchObject({ revisions: 1, comments: [{ body: "Hers, edited" }] });
  });

  it("hiding by a reader: 403; by the article's author: hidden", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const bob = await signUp(origin);
    const target = await comment(question.id, alice.cookie, "Hide me");
    const before = await stored(question.id);
    const response = await act(question.id, { intent: "hide-comment", commentId: target, reason: "I disagree" }, { cookie: bob.cookie });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/Only the article's author and admins can hide comments/);
    expect(await stored(question.id)).toEqual(before);

    const hidden = await act(question.id, { intent: "hide-comment", commentId: target, reason: "Personal attack" }, { cookie: question.authorCookie });
    expect(hidden.status).toBe(200);
    expect(await hidden.text()).toContain("Personal attack");
    expect((await stored(question.id)).comments[0]?.hiddenAt).not.toBeNull();
  });

  it("a second report of the same comment: 409", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const bob = await signUp(origin);
    const target = await comment(question.id, alice.cookie, "Report me");
    expect((await act(question.id, { intent: "report-comment", commentId: target, reason: "Spam" }, { cookie: bob.cookie })).status).toBe(200);
    const before = await stored(question.id);
    const again = await act(question.id, { intent: "report-comment", commentId: target, reason: "Spam" }, { cookie: bob.cookie });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/already reported/);
    expect(await stored(question.id)).toEqual(before);
  });
});

describe("the comment limit", () => {
  it("answers the 6th comment in a minute with 429 and Retry-After, storing only 5", async () => {
    const question = await makeQuestion();
    const { cookie } = await signUp(origin);
    for (let index = 1; index <= 5; index++) await comment(question.id, cookie, `Comment ${index}`);
    const limited = await act(question.id, { intent: "comment", body: "Comment 6" }, { cookie });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.text()).toMatch(new RegExp(`as many comments as one may in a minute; try again in ${retryAfter} s`));
    expect((await stored(question.id)).comments).toHaveLength(5);
    // The limit is per user: another reader still comments.
    const other = await signUp(origin);
    await comment(question.id, other.cookie, "Someone else");
  });
});

describe("live comments", () => {
  it("reach a socket in the question's room after the POST, with the forecasts on an ordinary question", async () => {
    const question = await makeQuestion();
    const { cookie, username } = await signUp(origin);
    await saveForecast(origin, cookie, question, 70);
    const anonymous = await connectClient(origin);
    await join(anonymous, question.id);
    const received = nextEvent(anonymous, "question:comment");
    const id = await comment(question.id, cookie, "Live and visible");
    const event: CommentEvent = await received;
    expect(event).toMatchObject({
      questionId: question.id,
      comment: { id, body: "Live and visible", state: "visible", author: { username, deleted: false }, myVote: 0, mine: false, forecastAtPosting: [0.7, 0.3], currentForecast: [0.7, 0.3] },
    });
  });

  it("leave the forecasts out for an anonymous socket on a question that hides its crowd, not for a forecaster's", async () => {
    const question = await makeQuestion({ revealCrowd: "after_forecast" });
    const { cookie } = await signUp(origin);
    await saveForecast(origin, cookie, question, 35);
    const anonymous = await connectClient(origin);
    const forecaster = await connectClient(origin, { cookie });
    expect((await join(anonymous, question.id)) as { aggregate: unknown }).toMatchObject({ aggregate: null });
    await join(forecaster, question.id);
    const toAnonymous = nextEvent(anonymous, "question:comment");
    const toForecaster = nextEvent(forecaster, "question:comment");
    const id = await comment(question.id, cookie, "Numbers hidden from some");
    const [anonymousEvent, forecasterEvent] = await Promise.all([toAnonymous, toForecaster]);
    expect(anonymousEvent.comment).toMatchObject({ id, body: "Numbers hidden from some", forecastAtPosting: null, currentForecast: null });
    expect(forecasterEvent.comment).toMatchObject({ id, forecastAtPosting: [0.35, 0.65], currentForecast: [0.35, 0.65] });
  });

  it("carry a hidden comment without its text or reason", async () => {
    const question = await makeQuestion();
    const alice = await signUp(origin);
    const target = await comment(question.id, alice.cookie, "Soon hidden text");
    const socket = await connectClient(origin);
    await join(socket, question.id);
    const received = nextEvent(socket, "question:comment", ({ comment: view }) => view.id === target);
    expect((await act(question.id, { intent: "hide-comment", commentId: target, reason: "Secret reason" }, { cookie: question.authorCookie })).status).toBe(200);
    const event = await received;
    expect(event.comment).toMatchObject({ id: target, state: "hidden", body: null, hiddenReason: null });
    expect(JSON.stringify(event)).not.toMatch(/Soon hidden text|Secret reason/);
  });
});

describe.skipIf(redisSkipReason())("the comment limit across instances (Redis)", () => {
  it("counts one user's comments on two instances sharing Redis together", async () => {
    const redisUrl = process.env.TEST_REDIS_URL as string;
    // One deployment: both instances under one prefix, unique to this run.
    const shared = { remixBuild, redisUrl, redisPrefix: `crowdline-test-comments-${process.pid}-${Date.now()}`, commentsPerMinute: 5 };
    const instances = await Promise.all([startServer(shared), startServer(shared)]);
    try {
      const question = await makeQuestion();
      const { cookie } = await signUp(origin);
      const postOn = (base: string, body: string) =>
        fetch(`${base}/questions/${question.id}.data`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, Cookie: cookie },
          body: new URLSearchParams({ intent: "comment", body }),
        });
      for (let index = 1; index <= 5; index++) expect((await postOn(instances[index % 2]!.origin, `Shared ${index}`)).status).toBe(201);
      const limited = await postOn(instances[0]!.origin, "Shared 6");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await stored(question.id)).comments).toHaveLength(5);
    } finally {
      await Promise.all(instances.map(({ server: instance }) => instance.close()));
    }
  });
});

describe("a long discussion's page", () => {
  it("is gzipped as one stream, close to what gzip makes of the whole page", async () => {
    const question = await makeQuestion();
    const db = getDb();
    const [reader] = await createSignedInReaders(db, 1, `long_${tag()}`);
    await db.comment.createMany({
      data: Array.from({ length: 60 }, (_, index) => ({
        questionId: question.id,
        userId: reader!.userId,
        body: `Point ${index}: the **tiers** hold while compute stays scarce.`,
        bodyHtml: `<p>Point ${index}: the <strong>tiers</strong> hold while compute stays scarce.</p>`,
      })),
    });
    // A cookie keeps the page cache out of it: this is the rendered response itself. node:http,
    // because fetch always decompresses.
    const { gunzipSync, gzipSync } = await import("node:zlib");
    const { get } = await import("node:http");
    const compressed = await new Promise<Buffer>((resolve, reject) => {
      get(`${origin}/questions/${question.id}`, { headers: { "Accept-Encoding": "gzip", Cookie: "unrelated=1" } }, (response) => {
        expect(response.statusCode).toBe(200);
        expect(response.headers["content-encoding"]).toBe("gzip");
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks)));
        response.on("error", reject);
      }).on("error", reject);
    });
    const page = gunzipSync(compressed);
    expect(page.toString()).toContain("Point 59");
    // A flush per streamed chunk made this ~5x gzip's size.
    expect(compressed.length).toBeLessThan(gzipSync(page).length * 1.5);
  });
});

describe("the question page's discussion, read through rows shared between readers", () => {
  /** Each comment's own markup on the page as `cookie`'s reader gets it, by comment id. */
  async function commentsOnPage(questionId: string, cookie?: string): Promise<Map<string, string>> {
    const response = await fetch(`${origin}/questions/${questionId}`, { headers: cookie ? { Cookie: cookie } : {} });
    expect(response.status).toBe(200);
    const html = await response.text();
    const articles = new Map<string, string>();
    for (const match of html.matchAll(/<article[^>]*data-comment-id="([^"]+)"[^>]*>([\s\S]*?)<\/article>/g)) articles.set(match[1]!, match[2]!);
    return articles;
  }

  it("shows each reader exactly what they may see, read one after another within the rows' lifetime", async () => {
    const question = await makeQuestion({ revealCrowd: "after_forecast" });
    const [alice, bob, carol] = (await createSignedInReaders(getDb(), 3, `shared_${tag()}`)).map((reader) => ({ ...reader, cookie: `session=${reader.token}` }));
    await saveForecast(origin, alice!.cookie, question, 70);
    await saveForecast(origin, bob!.cookie, question, 30);
    const alicesPoint = await comment(question.id, alice!.cookie, "Alice: supply chains decide this.");
    const alicesAside = await comment(question.id, alice!.cookie, "Alice: an aside the moderator will hide.");
    const bobsPoint = await comment(question.id, bob!.cookie, "Bob: demand decides this.");
    expect((await act(question.id, { intent: "vote", commentId: alicesPoint, value: "1" }, { cookie: bob!.cookie })).status).toBe(200);
    expect((await act(question.id, { intent: "report-comment", commentId: bobsPoint, reason: "Off topic" }, { cookie: alice!.cookie })).status).toBe(200);
    expect((await act(question.id, { intent: "hide-comment", commentId: alicesAside, reason: "Off topic" }, { cookie: question.authorCookie })).status).toBe(200);

    // Back to back, so that all of them are answered from one shared read of the rows.
    const [forAlice, forBob, forCarol, forAuthor, forVisitor] = [
      await commentsOnPage(question.id, alice!.cookie),
      await commentsOnPage(question.id, bob!.cookie),
      await commentsOnPage(question.id, carol!.cookie),
      await commentsOnPage(question.id, question.authorCookie),
      await commentsOnPage(question.id),
    ];
    const hiddenText = "an aside the moderator will hide";
    // Only its author and the moderator read the hidden comment.
    expect(forAlice.get(alicesAside)).toContain(hiddenText);
    expect(forAuthor.get(alicesAside)).toContain(hiddenText);
    for (const page of [forBob, forCarol, forVisitor]) expect(page.get(alicesAside)).not.toContain(hiddenText);
    // One's own comments get Edit; one's own vote shows pressed to oneself alone.
    expect(forAlice.get(alicesPoint)).toContain(">Edit<");
    expect(forBob.get(alicesPoint)).not.toContain(">Edit<");
    expect(forBob.get(bobsPoint)).toContain(">Edit<");
    expect(forBob.get(alicesPoint)).toContain('aria-pressed="true"');
    for (const page of [forAlice, forCarol, forAuthor, forVisitor]) expect(page.get(alicesPoint)).not.toContain('aria-pressed="true"');
    // Reports are counted for the moderator only.
    // (React separates the text around the count with comment nodes.)
    expect(forAuthor.get(bobsPoint)).toMatch(/reported (<!-- -->)?1(<!-- -->)?×/);
    for (const page of [forAlice, forBob, forCarol, forVisitor]) expect(page.get(bobsPoint)).not.toContain("reported");
    // The crowd is hidden until one forecasts: so are the forecasts beside comments.
    expect(forAlice.get(bobsPoint)).toContain("Forecast when posting");
    for (const page of [forCarol, forVisitor]) expect(page.get(bobsPoint)).not.toContain("Forecast when posting");

    // Carol forecasts: her very next view shows the forecasts, from the same shared rows.
    await saveForecast(origin, carol!.cookie, question, 50);
    expect((await commentsOnPage(question.id, carol!.cookie)).get(bobsPoint)).toContain("Forecast when posting");
    expect((await commentsOnPage(question.id)).get(bobsPoint)).not.toContain("Forecast when posting");
  });

  it("shows a reader's own new comment and vote on their next view, not the rows read before", async () => {
    const question = await makeQuestion();
    const [alice, bob] = (await createSignedInReaders(getDb(), 2, `shared_own_${tag()}`)).map((reader) => ({ ...reader, cookie: `session=${reader.token}` }));
    const first = await comment(question.id, alice!.cookie, "Alice: the first word.");
    expect((await commentsOnPage(question.id, bob!.cookie)).get(first)).not.toContain('aria-pressed="true"');
    const reply = await comment(question.id, bob!.cookie, "Bob: a reply, posted right after reading.", { parentId: first });
    expect((await act(question.id, { intent: "vote", commentId: first, value: "1" }, { cookie: bob!.cookie })).status).toBe(200);
    const again = await commentsOnPage(question.id, bob!.cookie);
    expect(again.get(reply)).toContain("a reply, posted right after reading");
    expect(again.get(first)).toContain('aria-pressed="true"');
    expect(again.get(first)).toContain('aria-label="Score 1"');
  });
});
