import { getDb, Prisma, type Db } from "~/db.server";
import { createSharedReads } from "~/models/shared-reads.server";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { aggregationMethodSchema, type Aggregate } from "~/realtime/contract";

export interface QuestionLiveState {
  questionId: string;
  revealCrowd: "always" | "after_forecast";
  version: number;
  aggregate: Aggregate | null;
  baseline: number[] | null;
}

/** What a live view of the question starts from: latest aggregate version and baseline. */
export async function getQuestionLiveState(questionId: string, db: Db = getDb()): Promise<QuestionLiveState | null> {
  // One statement instead of three: every socket join reads this, and Prisma's planning of each
  // query cost more than the query (three were ~3.5 ms of CPU per join on the viral bench's
  // question). The snapshot by its (question, version) key; the baseline's newest revision.
  const [row] = await db.$queryRaw<LiveStateRow[]>(Prisma.sql`
    SELECT q."id", q."revealCrowd", s."version", s."method", s."centers", s."lower", s."upper", s."count",
      (SELECT b."probabilities" FROM "BaselineRevision" b WHERE b."questionId" = q."id"
        ORDER BY b."createdAt" DESC, b."id" DESC LIMIT 1) AS "baseline"
    FROM "Question" q
    LEFT JOIN "AggregateSnapshot" s ON s."questionId" = q."id" AND s."version" = q."aggregateVersion"
    WHERE q."id" = ${questionId}`);
  if (!row) return null;
  const hasSnapshot = row.version !== null;
  return {
    questionId: row.id,
    revealCrowd: row.revealCrowd === "after_forecast" ? "after_forecast" : "always",
    version: hasSnapshot ? Number(row.version) : 0,
    aggregate: hasSnapshot
      ? {
          method: aggregationMethodSchema.parse(row.method),
          centers: parseProbabilityVector(row.centers!),
          lower: parseProbabilityVector(row.lower!),
          upper: parseProbabilityVector(row.upper!),
          count: Number(row.count),
        }
      : null,
    baseline: row.baseline ? parseProbabilityVector(row.baseline) : null,
  };
}

/** Integers come back as bigint from some drivers and number from others. */
interface LiveStateRow {
  id: string;
  revealCrowd: string;
  version: number | bigint | null;
  method: string | null;
  centers: string | null;
  lower: string | null;
  upper: string | null;
  count: number | bigint | null;
  baseline: string | null;
}

const liveStateReads = createSharedReads<QuestionLiveState | null>({ ttlMs: 0, maxEntries: 10_000 });

/**
 * getQuestionLiveState, shared by the joins of one question that arrive while it is being read:
 * when a page goes viral, hundreds of sockets join within a second, and each read its own copy.
 * A shared read may have begun a moment before the join; the realtime layer's version checks
 * after the join cover what it could have missed.
 */
export function readQuestionLiveStateForJoin(questionId: string): Promise<QuestionLiveState | null> {
  return liveStateReads.read(questionId, "live-state", () => getQuestionLiveState(questionId));
}

export interface QuestionForForecasting {
  id: string;
  kind: "scenarios" | "binary";
  title: string;
  description: string;
  status: "open" | "closed";
  closesAt: Date | null;
  revealCrowd: "always" | "after_forecast";
  aggregationMethod: string;
  createdAt: Date;
  article: { slug: string; title: string; published: boolean };
  scenarios: { id: string; title: string }[];
}

/** A question with what its forecast form and figures need; null when it does not exist. */
export async function getQuestionForForecasting(questionId: string): Promise<QuestionForForecasting | null> {
  return (await getQuestionsForForecasting([questionId])).get(questionId) ?? null;
}

/** The same for several questions in one query; missing ids are left out. */
export async function getQuestionsForForecasting(questionIds: readonly string[]): Promise<Map<string, QuestionForForecasting>> {
  const questions = await getDb().question.findMany({
    where: { id: { in: [...questionIds] } },
    select: {
      id: true,
      kind: true,
      title: true,
      description: true,
      status: true,
      closesAt: true,
      revealCrowd: true,
      aggregationMethod: true,
      createdAt: true,
      article: { select: { slug: true, title: true, publishedAt: true } },
      scenarios: { orderBy: { position: "asc" }, select: { id: true, title: true } },
    },
  });
  return new Map(
    questions.map((question) => [
      question.id,
      {
        ...question,
        kind: question.kind === "binary" ? "binary" : "scenarios",
        status: question.status === "closed" ? "closed" : "open",
        revealCrowd: question.revealCrowd === "after_forecast" ? "after_forecast" : "always",
        article: { slug: question.article.slug, title: question.article.title, published: question.article.publishedAt !== null },
      },
    ]),
  );
}

/**
 * The save action reads its question on every forecast; a second-old copy is good enough there,
 * because the forecast writer checks status, closing time and scenario count again inside its
 * transaction. Pages keep reading the database.
 */
const RECENT_QUESTION_TTL_MS = 2_000;
const RECENT_QUESTIONS_MAX = 1_000;
const recentQuestions = new Map<string, { question: QuestionForForecasting | null; freshUntil: number }>();

export async function getRecentQuestionForForecasting(questionId: string): Promise<QuestionForForecasting | null> {
  const cached = recentQuestions.get(questionId);
  if (cached && cached.freshUntil > Date.now()) return cached.question;
  const question = await getQuestionForForecasting(questionId);
  recentQuestions.delete(questionId);
  if (recentQuestions.size >= RECENT_QUESTIONS_MAX) recentQuestions.delete(recentQuestions.keys().next().value as string);
  recentQuestions.set(questionId, { question, freshUntil: Date.now() + RECENT_QUESTION_TTL_MS });
  return question;
}

/** The question's current aggregate version (0 before the first forecast); null when it does not exist. */
export async function getAggregateVersion(questionId: string): Promise<number | null> {
  const question = await getDb().question.findUnique({ where: { id: questionId }, select: { aggregateVersion: true } });
  return question?.aggregateVersion ?? null;
}

/** The author of the article a question belongs to; null for unknown questions. */
export async function getQuestionAuthorId(questionId: string): Promise<string | null> {
  const question = await getDb().question.findUnique({ where: { id: questionId }, select: { article: { select: { authorId: true } } } });
  return question?.article.authorId ?? null;
}
