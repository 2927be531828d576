import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadQuestionHistory } from "~/question-view.server";
import { getUser } from "~/auth/guards.server";
import { publicPageHeaders } from "~/http-cache";

/** Every aggregate snapshot and baseline revision, oldest first; the crowd only for viewers who may see it. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const history = await loadQuestionHistory(params.id ?? "", getUser(context));
  if (!history) return Response.json({ error: { code: "question_not_found", message: "No such question" } }, { status: 404 });
  return Response.json(
    {
      questionId: history.questionId,
      scenarios: history.scenarios,
      crowdHiddenBecause: history.crowdHiddenBecause,
      crowd: history.crowd,
      baseline: history.baseline.map(({ at, probabilities, note }) => ({ at, probabilities, note })),
    },
    { headers: { ...publicPageHeaders(context), "Content-Disposition": `inline; filename="question-${history.questionId}-history.json"` } },
  );
}
