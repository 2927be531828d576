import { z } from "zod";
import { PROBABILITY_FIELD_PREFIX, WHOLE_VECTOR_ERROR_PATH, parsePercentText, probabilityFieldName } from "./probability-fields";

/**
 * The probability form every question uses (a reader's forecast, an author's baseline): one
 * percentage field `p_<scenarioId>` per scenario. The schema is built per question, because the
 * field names are the question's own scenario ids, and shared by conform in the browser and by
 * the action on the server.
 */

export const RATIONALE_MAX_LENGTH = 5_000;
export const BASELINE_NOTE_MAX_LENGTH = 2_000;
/** Typed percentages are rounded by people ("33.3 + 33.3 + 33.3"); more than this is a mistake. */
export const SUM_TOLERANCE_PERCENT = 0.5;

export interface ProbabilityFormScenario {
  id: string;
  title: string;
}

export type QuestionKind = "scenarios" | "binary";

const formatPercent = (value: number) => `${Math.round(value * 10) / 10} %`;

function percentageField(title: string) {
  return z.preprocess(
    (value) => (typeof value === "string" ? parsePercentText(value) : value),
    z
      .number({
        required_error: `Give a probability for “${title}”`,
        invalid_type_error: `The probability for “${title}” must be a number between 0 and 100`,
      })
      .finite(`The probability for “${title}” must be a number between 0 and 100`)
      .min(0, `The probability for “${title}” cannot be negative`)
      .max(100, `The probability for “${title}” cannot be more than 100 %`),
  );
}

/**
 * Percent fields in, probabilities summing to exactly 1 out (scenario order). For a binary
 * question the "No" field (index 1) may be missing: a form without JavaScript posts only "Yes".
 * Fields naming scenarios of other questions are refused, not ignored: they mean the form and the
 * question disagree.
 */
export function probabilitiesSchema(scenarios: readonly ProbabilityFormScenario[], kind: QuestionKind) {
  const known = new Set(scenarios.map((scenario) => probabilityFieldName(scenario.id)));
  const shape: Record<string, z.ZodTypeAny> = {};
  scenarios.forEach((scenario, index) => {
    const field = percentageField(scenario.title);
    shape[probabilityFieldName(scenario.id)] = kind === "binary" && index === 1 ? field.optional() : field;
  });
  return z
    .object(shape)
    .passthrough()
    .superRefine((fields, context) => {
      const foreign = Object.keys(fields).filter((key) => key.startsWith(PROBABILITY_FIELD_PREFIX) && !known.has(key));
      if (foreign.length > 0) {
        context.addIssue({
          code: "custom",
          path: [WHOLE_VECTOR_ERROR_PATH],
          message: "This form names a scenario that is not part of this question; reload the page and try again",
        });
        return;
      }
      const values = percentagesInOrder(fields, scenarios, kind);
      if (values.some((value) => typeof value !== "number" || !Number.isFinite(value))) return;
      const sum = (values as number[]).reduce((total, value) => total + value, 0);
      if (Math.abs(sum - 100) > SUM_TOLERANCE_PERCENT) {
        context.addIssue({
          code: "custom",
          path: [WHOLE_VECTOR_ERROR_PATH],
          message: `The probabilities must add up to 100 % (they add up to ${formatPercent(sum)})`,
        });
      }
    })
    .transform((fields) => normalise(percentagesInOrder(fields, scenarios, kind) as number[]));
}

function percentagesInOrder(fields: Record<string, unknown>, scenarios: readonly ProbabilityFormScenario[], kind: QuestionKind): unknown[] {
  const values = scenarios.map((scenario) => fields[probabilityFieldName(scenario.id)]);
  if (kind === "binary" && values.length === 2 && values[1] === undefined && typeof values[0] === "number") {
    values[1] = 100 - values[0];
  }
  return values;
}

/** Divides by the sum so that stored vectors sum to 1 whatever rounding the person typed. */
export function normalise(percentages: readonly number[]): number[] {
  const sum = percentages.reduce((total, value) => total + value, 0);
  return percentages.map((value) => value / sum);
}

const RationaleSchema = z
  .string({ invalid_type_error: "The rationale must be text" })
  .trim()
  .max(RATIONALE_MAX_LENGTH, `Keep the rationale to ${RATIONALE_MAX_LENGTH.toLocaleString("en")} characters`)
  .optional()
  .transform((value) => (value ? value : null));

/**
 * The other fields and the probabilities as two halves of an intersection, so that both are
 * checked and every wrong field shows at once (a refinement on one object would wait until the
 * other fields were right).
 */
function withProbabilities<Shape extends z.ZodRawShape>(
  shape: Shape,
  scenarios: readonly ProbabilityFormScenario[],
  kind: QuestionKind,
) {
  const probabilities = probabilitiesSchema(scenarios, kind);
  return z.object(shape).and(z.unknown().pipe(probabilities).transform((vector) => ({ probabilities: vector })));
}

/** A reader's forecast: the probabilities and an optional markdown rationale. */
export function forecastFormSchema(scenarios: readonly ProbabilityFormScenario[], kind: QuestionKind) {
  return withProbabilities({ rationale: RationaleSchema }, scenarios, kind);
}

/** An author's baseline revision: the probabilities and the public note that explains the change. */
export function baselineFormSchema(scenarios: readonly ProbabilityFormScenario[], kind: QuestionKind) {
  return withProbabilities(
    {
      note: z
        .string({ required_error: "Say in a sentence why the baseline changes", invalid_type_error: "The note must be text" })
        .trim()
        .min(1, "Say in a sentence why the baseline changes")
        .max(BASELINE_NOTE_MAX_LENGTH, `Keep the note to ${BASELINE_NOTE_MAX_LENGTH.toLocaleString("en")} characters`),
    },
    scenarios,
    kind,
  );
}
