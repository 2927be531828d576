// The rows and sessions the hostile-input suite posts with, and their repair after an accepted
// submission changed them (a log-out ends the reader's session, an admin form may demote the
// admin, an author form may unpublish the article or close a question).
import { generateSessionToken, sessionIdFromToken } from "~/auth/session.server";
import type { Db } from "~/db.server";
import { probabilityFieldName } from "~/domain/probability-fields";
import { openVsClosedAi2026 } from "../../prisma/seed-data/open-vs-closed-ai-2026";
import { createSignedInReaders, freshSessionRow } from "../signed-in-readers";
import type { Fixtures, Role } from "./route-forms";

export type SignedInRole = Exclude<Role, "anonymous">;

export interface Actor {
  userId: string;
  token: string;
  role: SignedInRole;
}

export type Actors = Record<SignedInRole, Actor>;

async function newSession(db: Db, userId: string): Promise<string> {
  const token = generateSessionToken();
  await db.session.create({ data: freshSessionRow(userId, token) });
  return token;
}

async function newAccount(db: Db, role: SignedInRole, prefix: string): Promise<Actor> {
  const [created] = await createSignedInReaders(db, 1, prefix);
  if (role !== "reader") await db.user.update({ where: { id: created!.userId }, data: { role } });
  return { userId: created!.userId, token: created!.token, role };
}

type Post = (path: string, fields: Array<[string, string]>, token: string) => Promise<Response>;

/**
 * Sessions for a reader and an admin (new accounts), the seeded article's author (a session for
 * the seeded account, whose "!" password cannot log in), a reader's forecast and another reader's
 * comment, posted through the server as a browser would.
 */
export async function createFixtures(db: Db, post: Post): Promise<{ fixtures: Fixtures; actors: Actors }> {
  const article = await db.article.findUniqueOrThrow({
    where: { slug: openVsClosedAi2026.slug },
    include: { author: true, questions: { orderBy: { position: "asc" }, include: { scenarios: { orderBy: { position: "asc" } } } } },
  });
  const scenarios = article.questions.find((question) => question.kind === "scenarios");
  if (!scenarios) throw new Error("hostile-input: the seeded article has no scenarios question");
  const soon = Date.now() + 24 * 60 * 60 * 1000;
  const binary = article.questions.find((question) => question.kind === "binary" && question.status === "open" && (!question.closesAt || question.closesAt.getTime() > soon));
  if (!binary) throw new Error("hostile-input: the seeded article has no binary question open for forecasting");

  const prefix = `hostile_${Math.random().toString(36).slice(2, 8)}`;
  const actors: Actors = {
    reader: await newAccount(db, "reader", `${prefix}_reader`),
    author: { userId: article.authorId, token: await newSession(db, article.authorId), role: "author" },
    admin: await newAccount(db, "admin", `${prefix}_admin`),
  };
  const commenter = await newAccount(db, "reader", `${prefix}_commenter`);
  const target = await newAccount(db, "reader", `${prefix}_target`);
  const reader = await db.user.findUniqueOrThrow({ where: { id: actors.reader.userId } });

  const questionPath = `/questions/${scenarios.id}.data`;
  const share = Math.floor(100 / scenarios.scenarios.length);
  const forecastFields = scenarios.scenarios.map((scenario, index): [string, string] => [
    probabilityFieldName(scenario.id),
    String(index === 0 ? 100 - share * (scenarios.scenarios.length - 1) : share),
  ]);
  const forecast = await post(questionPath, [["intent", "save"], ...forecastFields], actors.reader.token);
  if (forecast.status !== 200) throw new Error(`hostile-input: the reader's forecast answered ${forecast.status}: ${await forecast.text()}`);
  const comment = await post(questionPath, [["intent", "comment"], ["body", "Someone else's comment."]], commenter.token);
  if (comment.status !== 201) throw new Error(`hostile-input: the other reader's comment answered ${comment.status}: ${await comment.text()}`);

  const fixtures: Fixtures = {
    article: { id: article.id, slug: article.slug },
    scenariosQuestion: { id: scenarios.id, scenarioIds: scenarios.scenarios.map((scenario) => scenario.id) },
    binaryQuestion: { id: binary.id, yesId: binary.scenarios[0]!.id, noId: binary.scenarios[1]!.id },
    authorUsername: article.author.username,
    readerUsername: reader.username,
    targetUserId: target.userId,
    otherCommentId: (await db.comment.findFirstOrThrow({ where: { questionId: scenarios.id, userId: commenter.userId } })).id,
    readerForecastId: (await db.forecast.findFirstOrThrow({ where: { questionId: scenarios.id, userId: actors.reader.userId, supersededAt: null } })).id,
  };
  return { fixtures, actors };
}

/**
 * Puts back what an accepted submission may have changed, so that later cases still reach the
 * actions: a session that ended, a role that changed, an account that was deleted, the article
 * unpublished, a question closed. A changed role gets a new session, since the server caches a
 * session's user for up to 30 s. Returns what it repaired (empty when nothing needed it).
 */
export async function repairFixtures(db: Db, actors: Actors, fixtures: Fixtures): Promise<string[]> {
  const repaired: string[] = [];
  const list = Object.values(actors);
  const sessions = new Set(
    (await db.session.findMany({ where: { id: { in: list.map((actor) => sessionIdFromToken(actor.token)) } }, select: { id: true } })).map((row) => row.id),
  );
  const users = new Map(
    (await db.user.findMany({ where: { id: { in: list.map((actor) => actor.userId) } }, select: { id: true, role: true, deletedAt: true } })).map((row) => [row.id, row]),
  );
  for (const actor of list) {
    const user = users.get(actor.userId);
    if (!user || user.deletedAt) {
      const replacement = await newAccount(db, actor.role, `hostile_${actor.role}_${Math.random().toString(36).slice(2, 8)}`);
      Object.assign(actor, replacement);
      repaired.push(`new ${actor.role} account`);
      continue;
    }
    if (user.role !== actor.role) {
      await db.user.update({ where: { id: actor.userId }, data: { role: actor.role } });
      actor.token = await newSession(db, actor.userId);
      repaired.push(`${actor.role} role`);
    } else if (!sessions.has(sessionIdFromToken(actor.token))) {
      actor.token = await newSession(db, actor.userId);
      repaired.push(`${actor.role} session`);
    }
  }
  const unpublished = await db.article.updateMany({ where: { id: fixtures.article.id, publishedAt: null }, data: { publishedAt: new Date(openVsClosedAi2026.publishedAt) } });
  if (unpublished.count > 0) repaired.push("article published again");
  const reopened = await db.question.updateMany({
    where: {
      id: { in: [fixtures.scenariosQuestion.id, fixtures.binaryQuestion.id] },
      OR: [{ status: { not: "open" } }, { closesAt: { lte: new Date(Date.now() + 60 * 60 * 1000) } }],
    },
    data: { status: "open", closesAt: null },
  });
  if (reopened.count > 0) repaired.push("question reopened");
  return repaired;
}
