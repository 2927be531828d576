import { getDb } from "~/db.server";
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
export async function getQuestionLiveState(questionId: string): Promise<QuestionLiveState | null> {
  const question = await getDb().question.findUnique({
    where: { id: questionId },
    select: {
      id: true,
      revealCrowd: true,
      aggregateSnapshots: { orderBy: { version: "desc" }, take: 1 },
      baselineRevisions: { orderBy: { createdAt: "desc" }, take: 1, select: { probabilities: true } },
    },
  });
  if (!question) return null;
  const latest = question.aggregateSnapshots[0];
  const baseline = question.baselineRevisions[0];
  return {
    questionId: question.id,
    revealCrowd: question.revealCrowd === "after_forecast" ? "after_forecast" : "always",
    version: latest?.version ?? 0,
    aggregate: latest
      ? {
          method: aggregationMethodSchema.parse(latest.method),
          centers: parseProbabilityVector(latest.centers),
          lower: parseProbabilityVector(latest.lower),
          upper: parseProbabilityVector(latest.upper),
          count: latest.count,
        }
      : null,
    baseline: baseline ? parseProbabilityVector(baseline.probabilities) : null,
  };
}
