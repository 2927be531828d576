import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { getUser } from "~/auth/guards.server";
import { publicPageHeaders } from "~/http-cache";
import { loadQuestionView } from "~/question-view.server";

/** The question and its crowd as JSON; a crowd the viewer may not see yet is null, as on the page. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const view = await loadQuestionView(params.id ?? "", getUser(context), { withHistory: false });
  if (!view) return Response.json({ error: { code: "question_not_found", message: "No such question" } }, { status: 404 });
  const { question, baseline, crowd } = view;
  return data(
    {
      id: question.id,
      title: question.title,
      kind: question.kind,
      status: question.acceptingForecasts ? "open" : "closed",
      article: { slug: question.article.slug, title: question.article.title },
      scenarios: question.scenarios.map((scenario, index) => ({ id: scenario.id, title: scenario.title, baseline: baseline.current?.[index] ?? null })),
      aggregate: crowd.visible
        ? {
            version: crowd.version,
            method: crowd.method,
            centers: crowd.aggregate.centers,
            lower: crowd.aggregate.lower,
            upper: crowd.aggregate.upper,
            count: crowd.aggregate.count,
          }
        : null,
      crowdHiddenBecause: crowd.visible ? null : crowd.hiddenBecause,
      updatedAt: view.updatedAt.toISOString(),
    },
    { headers: publicPageHeaders(context) },
  );
}
