import { getDb } from "~/db.server";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { authorNameOf } from "./article.server";

/**
 * The author's baseline: an append-only history of probability vectors, each with the public
 * note that says why it changed. The newest revision is the current baseline.
 */

export interface BaselineRevisionView {
  id: string;
  at: Date;
  probabilities: number[];
  note: string;
  authorName: string;
}

/** The vector does not fit the question any more (a scenario was added since the form loaded). */
export class BaselineMismatchError extends Error {
  constructor() {
    super("The question's scenarios changed since this form was loaded; reload the page and enter the baseline again.");
  }
}

const SUM_TOLERANCE = 1e-6;

export async function createBaselineRevision(input: {
  questionId: string;
  authorId: string;
  probabilities: number[];
  note: string;
  at?: Date;
}): Promise<{ id: string; at: Date } | null> {
  const { probabilities } = input;
  const sum = probabilities.reduce((total, value) => total + value, 0);
  if (probabilities.some((value) => !Number.isFinite(value) || value < 0 || value > 1) || Math.abs(sum - 1) > SUM_TOLERANCE) {
    throw new RangeError("A baseline must be probabilities in [0, 1] summing to 1");
  }
  return getDb().$transaction(async (tx) => {
    const question = await tx.question.findUnique({ where: { id: input.questionId }, select: { _count: { select: { scenarios: true } } } });
    if (!question) return null;
    // Counted in the same transaction as the insert, so a scenario added meanwhile cannot leave
    // a vector one entry short as the current baseline.
    if (question._count.scenarios !== probabilities.length) throw new BaselineMismatchError();
    const revision = await tx.baselineRevision.create({
      data: {
        questionId: input.questionId,
        authorId: input.authorId,
        probabilities: JSON.stringify(probabilities),
        note: input.note,
        ...(input.at ? { createdAt: input.at } : {}),
      },
      select: { id: true, createdAt: true },
    });
    return { id: revision.id, at: revision.createdAt };
  });
}

/** Oldest first: the order a history chart draws them in. */
export async function listBaselineRevisions(questionId: string): Promise<BaselineRevisionView[]> {
  return (await listBaselineRevisionsOf([questionId])).get(questionId) ?? [];
}

/** The same for several questions in one query (an article page shows them all). */
export async function listBaselineRevisionsOf(questionIds: readonly string[]): Promise<Map<string, BaselineRevisionView[]>> {
  const revisions = await getDb().baselineRevision.findMany({
    where: { questionId: { in: [...questionIds] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: {
      id: true,
      questionId: true,
      createdAt: true,
      probabilities: true,
      note: true,
      author: { select: { username: true, displayName: true, deletedAt: true } },
    },
  });
  const byQuestion = new Map<string, BaselineRevisionView[]>(questionIds.map((id) => [id, []]));
  for (const revision of revisions) {
    byQuestion.get(revision.questionId)?.push({
      id: revision.id,
      at: revision.createdAt,
      probabilities: parseProbabilityVector(revision.probabilities),
      note: revision.note,
      authorName: authorNameOf(revision.author),
    });
  }
  return byQuestion;
}
