import type { LoaderFunctionArgs } from "@remix-run/node";
import { getUser } from "~/auth/guards.server";
import { historyToCsv } from "~/domain/history-export";
import { publicPageHeaders } from "~/http-cache";
import { loadQuestionHistory } from "~/question-view.server";

/** The same history as history.json, as a spreadsheet-ready download. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const history = await loadQuestionHistory(params.id ?? "", getUser(context));
  if (!history) return new Response("No such question\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(historyToCsv(history), {
    headers: {
      ...publicPageHeaders(context),
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="question-${history.questionId}-history.csv"`,
    },
  });
}
