import { data, type ActionFunctionArgs } from "@remix-run/node";
import type { ZodError } from "zod";
import { requireUser } from "~/auth/guards.server";
import type { ForecastActionData } from "~/components/ForecastPanel";
import { forecastFormSchema } from "~/domain/forecast";
import { parsePercentText, probabilityFieldName } from "~/domain/probability-fields";
import { ForecastWriteError, saveForecast, withdrawForecast, type ForecastOutcome } from "~/models/forecast.server";
import { getRecentQuestionForForecasting } from "~/models/question.server";
import { acceptsForecasts } from "~/question-view.server";

/**
 * The question page's actions: "save" a forecast and "withdraw" it. Whatever goes wrong answers
 * with the form's messages and a 4xx; the writer stores nothing of a refused forecast.
 */

const STATUS_OF_REFUSAL: Record<Extract<ForecastOutcome, { ok: false }>["code"], number> = {
  question_not_found: 404,
  question_closed: 409,
  wrong_scenario_count: 422,
  nothing_to_withdraw: 409,
};

/** What the reader typed, when every field holds a number: the re-shown form keeps it. */
function postedPercentages(formData: FormData, scenarios: readonly { id: string }[]): number[] | undefined {
  const values = scenarios.map((scenario) => {
    const text = formData.get(probabilityFieldName(scenario.id));
    return typeof text === "string" ? (parsePercentText(text) ?? Number.NaN) : Number.NaN;
  });
  return values.every((value) => Number.isFinite(value) && value >= 0 && value <= 100) ? values : undefined;
}

// Building a question's zod schema costs more than parsing with it; forecasts on one question
// arrive by the hundred, so each scenario list keeps its schema.
const schemas = new Map<string, ReturnType<typeof forecastFormSchema>>();
function forecastSchemaOf(question: { kind: "scenarios" | "binary"; scenarios: { id: string; title: string }[] }) {
  const key = JSON.stringify([question.kind, question.scenarios]);
  let schema = schemas.get(key);
  if (!schema) {
    if (schemas.size >= 1_000) schemas.clear();
    schema = forecastFormSchema(question.scenarios, question.kind);
    schemas.set(key, schema);
  }
  return schema;
}

/** Zod's issues keyed by field name, as the form shows them ("" for the form as a whole). */
function messagesByField(error: ZodError): Record<string, string[]> {
  const messages: Record<string, string[]> = {};
  for (const issue of error.issues) (messages[issue.path.join(".")] ??= []).push(issue.message);
  return messages;
}

const reply = (body: ForecastActionData, status = 200, headers?: HeadersInit) => data(body, { status, headers });
const formError = (intent: ForecastActionData["intent"], message: string, status: number, headers?: HeadersInit) =>
  reply({ ok: false, intent, errors: { "": [message] } }, status, headers);

export async function handleForecastAction({ request, params, context }: ActionFunctionArgs, formData: FormData) {
  const user = requireUser(request, context);
  const intent = formData.get("intent");
  if (intent !== "save" && intent !== "withdraw") {
    return formError("save", "This form could not be understood; reload the page and try again.", 400);
  }
  const question = await getRecentQuestionForForecasting(params.id ?? "");
  if (!question || !question.article.published) return formError(intent, "This question does not exist (any more).", 404);
  if (!acceptsForecasts(question, new Date())) return formError(intent, "This question is closed for forecasting.", 409);

  let outcome: ForecastOutcome;
  try {
    if (intent === "withdraw") {
      outcome = await withdrawForecast({ questionId: question.id, userId: user.id });
    } else {
      // zod directly rather than conform's parseWithZod: conform rebuilds the schema with type
      // coercion on every call, which cost more than the save (this form coerces by itself).
      const parsed = forecastSchemaOf(question).safeParse(Object.fromEntries(formData));
      if (!parsed.success) {
        return reply({ ok: false, intent, errors: messagesByField(parsed.error), submitted: postedPercentages(formData, question.scenarios) }, 422);
      }
      outcome = await saveForecast({
        questionId: question.id,
        userId: user.id,
        probabilities: parsed.data.probabilities,
        rationale: parsed.data.rationale,
      });
    }
  } catch (error) {
    if (!(error instanceof ForecastWriteError)) throw error;
    return formError(intent, "Your forecast could not be saved just now. Nothing was stored; please try again.", 503, { "Retry-After": "5" });
  }

  if (!outcome.ok) return formError(intent, outcome.message, STATUS_OF_REFUSAL[outcome.code]);
  const { method, centers, lower, upper, count } = outcome.aggregate;
  context.realtime.publishAggregate({
    questionId: outcome.questionId,
    version: outcome.version,
    aggregate: { method, centers, lower, upper, count },
    changes: outcome.changes,
    revealCrowd: outcome.revealCrowd,
    forecasterUserId: user.id,
  });
  return reply({ ok: true, intent, savedAt: outcome.at.toISOString(), forecastId: outcome.forecastId });
}
