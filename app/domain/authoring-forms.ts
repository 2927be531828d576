import { z } from "zod";

/**
 * The author's forms (articles, questions, scenarios), one zod schema each, shared by conform in
 * the browser and by the actions on the server. Every message names its field, because a long
 * form that says only "too long" leaves the author hunting.
 */

export const AUTHORING_LIMITS = {
  articleTitle: 200,
  slug: 80,
  dek: 300,
  summary: 5_000,
  body: 100_000,
  questionTitle: 300,
  description: 5_000,
  scenarioTitle: 120,
  scenarioText: 5_000,
  minScenarios: 2,
  maxScenarios: 8,
} as const;

export const QUESTION_KINDS = ["scenarios", "binary"] as const;
export const REVEAL_CROWD = ["always", "after_forecast"] as const;
export const QUESTION_STATUSES = ["open", "closed"] as const;

/** The choices as the author forms word them. */
export const QUESTION_KIND_OPTIONS = [
  {
    value: "scenarios",
    label: "Scenarios",
    hint: "2 to 8 outcomes of which exactly one will happen; readers give each a probability.",
  },
  { value: "binary", label: "Binary claim", hint: "A statement readers judge Yes or No." },
] as const satisfies ReadonlyArray<{ value: (typeof QUESTION_KINDS)[number]; label: string; hint: string }>;

export const REVEAL_CROWD_OPTIONS = [
  { value: "always", label: "Always", hint: "Readers see the crowd’s forecast straight away." },
  { value: "after_forecast", label: "After the reader forecasts", hint: "Hidden until they have given their own, so the crowd cannot anchor them." },
] as const satisfies ReadonlyArray<{ value: (typeof REVEAL_CROWD)[number]; label: string; hint: string }>;

/** Binary questions are two scenarios in this order (docs/decisions/002). */
export const BINARY_SCENARIO_TITLES = ["Yes", "No"] as const;

const count = (value: number) => value.toLocaleString("en");

// Browsers send textarea line breaks as CRLF; stored text uses \n only.
const normaliseNewlines = (value: string) => value.replace(/\r\n?/g, "\n");

// Titles are single lines: a tab or a zero-width control character in one is always a paste accident.
const SINGLE_LINE = /^[^\p{C}]*$/u;

function singleLine(label: string, max: number, options: { required: boolean }) {
  const base = z
    .string({ required_error: `${label} is required`, invalid_type_error: `${label} must be text` })
    .trim()
    .max(max, `${label} must be at most ${count(max)} characters`)
    .regex(SINGLE_LINE, `${label} must be one line of text, without control characters`);
  return options.required ? base.min(1, `${label} is required`) : base.optional().transform((value) => value ?? "");
}

function multiLine(label: string, max: number, options: { required: boolean }) {
  const base = z
    .string({ required_error: `${label} is required`, invalid_type_error: `${label} must be text` })
    .transform(normaliseNewlines)
    .pipe(z.string().trim().max(max, `${label} must be at most ${count(max)} characters`));
  if (options.required) return base.pipe(z.string().min(1, `${label} is required`));
  return base.optional().transform((value) => value ?? "");
}

/** One item per line, blank lines and stray spaces dropped; stored joined by \n. */
function itemLines(label: string, max: number) {
  return multiLine(label, max, { required: false }).transform((value) =>
    value
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .join("\n"),
  );
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const SlugSchema = z
  .string({ required_error: "Slug is required", invalid_type_error: "Slug must be text" })
  .trim()
  .toLowerCase()
  .min(1, "Slug is required")
  .max(AUTHORING_LIMITS.slug, `Slug must be at most ${AUTHORING_LIMITS.slug} characters`)
  .regex(SLUG_PATTERN, "Slug may contain only letters a–z, digits and single hyphens between them");

/**
 * The slug the form proposes while the author types the title: ASCII letters and digits joined
 * by hyphens, accents folded ("Café" → "cafe"), cut at a word boundary to fit the limit.
 */
export function suggestSlug(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= AUTHORING_LIMITS.slug) return slug;
  const cut = slug.slice(0, AUTHORING_LIMITS.slug + 1);
  const lastHyphen = cut.lastIndexOf("-");
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : cut.slice(0, AUTHORING_LIMITS.slug)).replace(/-+$/, "");
}

export const ArticleFormSchema = z.object({
  title: singleLine("Title", AUTHORING_LIMITS.articleTitle, { required: true }),
  slug: SlugSchema,
  dek: singleLine("Standfirst", AUTHORING_LIMITS.dek, { required: false }),
  summary: multiLine("Summary", AUTHORING_LIMITS.summary, { required: false }),
  body: multiLine("Body", AUTHORING_LIMITS.body, { required: false }),
});
export type ArticleFormValue = z.output<typeof ArticleFormSchema>;

/**
 * What still has to be written before an article may go public. Drafts may be half-done; the
 * front page shows the standfirst and the article page the summary and body, so those must exist.
 */
export function missingForPublication(article: { title: string; dek: string; summary: string; body: string }): string[] {
  const missing: string[] = [];
  if (!article.title.trim()) missing.push("title");
  if (!article.dek.trim()) missing.push("standfirst");
  if (!article.summary.trim()) missing.push("summary");
  if (!article.body.trim()) missing.push("body");
  return missing;
}

export function publicationBlocker(article: { title: string; dek: string; summary: string; body: string }): string | null {
  const missing = missingForPublication(article);
  if (missing.length === 0) return null;
  const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)}`;
  return `Write the ${list} before publishing, then save`;
}

/** A date input's value (YYYY-MM-DD), read as the start of that day in UTC; empty means no date. */
const ClosesAtSchema = z
  .string({ invalid_type_error: "Closes at must be a date" })
  .max(32, "Closes at must be a date like 2028-01-31")
  .trim()
  .optional()
  .transform((value, context) => {
    if (!value) return null;
    const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00.000Z`) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
      context.addIssue({ code: "custom", message: "Closes at must be a date like 2028-01-31" });
      return z.NEVER;
    }
    return date;
  });

/** The value a date input shows for a stored closing time. */
export const toDateInputValue = (date: Date | null | undefined) => (date ? date.toISOString().slice(0, 10) : "");

const QuestionSettingsShape = {
  title: singleLine("Question title", AUTHORING_LIMITS.questionTitle, { required: true }),
  description: multiLine("Description", AUTHORING_LIMITS.description, { required: false }),
  revealCrowd: z.enum(REVEAL_CROWD, { errorMap: () => ({ message: "Choose when readers see the crowd’s forecast" }) }),
  closesAt: ClosesAtSchema,
};

export const QuestionSettingsSchema = z.object(QuestionSettingsShape);
export type QuestionSettingsValue = z.output<typeof QuestionSettingsSchema>;

/**
 * Scenario titles typed one per line. Errors sit on the textarea itself and name the line, since
 * the lines are not fields of their own.
 */
const ScenarioTitlesSchema = z
  .string({ required_error: "Scenarios: give at least 2 scenario titles, one per line", invalid_type_error: "Scenarios must be text" })
  // Room for every title at its longest with its line break and some stray blank lines.
  .max(
    AUTHORING_LIMITS.maxScenarios * (AUTHORING_LIMITS.scenarioTitle + 2) * 2,
    `Scenarios: a question has at most ${AUTHORING_LIMITS.maxScenarios} scenarios of at most ${AUTHORING_LIMITS.scenarioTitle} characters each`,
  )
  .transform((value, context) => {
    const titles = normaliseNewlines(value)
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    const { minScenarios, maxScenarios, scenarioTitle } = AUTHORING_LIMITS;
    if (titles.length < minScenarios) {
      context.addIssue({ code: "custom", message: `Scenarios: give at least ${minScenarios} scenario titles, one per line` });
    }
    if (titles.length > maxScenarios) {
      context.addIssue({ code: "custom", message: `Scenarios: a question has at most ${maxScenarios} scenarios (you gave ${titles.length})` });
    }
    titles.forEach((title, index) => {
      if (title.length > scenarioTitle) {
        context.addIssue({ code: "custom", message: `Scenarios: the title on line ${index + 1} must be at most ${scenarioTitle} characters` });
      }
      if (!SINGLE_LINE.test(title)) {
        context.addIssue({ code: "custom", message: `Scenarios: the title on line ${index + 1} contains control characters` });
      }
    });
    const seen = new Set<string>();
    for (const title of titles) {
      const key = title.toLowerCase();
      if (seen.has(key)) context.addIssue({ code: "custom", message: `Scenarios: “${title}” appears twice; each scenario needs its own title` });
      seen.add(key);
    }
    return titles;
  });

const QuestionKindSchema = z.discriminatedUnion(
  "kind",
  [z.object({ kind: z.literal("scenarios"), scenarioTitles: ScenarioTitlesSchema }), z.object({ kind: z.literal("binary") })],
  { errorMap: (issue, context) => ({ message: issue.code === "invalid_union_discriminator" ? "Choose the kind of question" : context.defaultError }) },
);

/** Settings and kind as two halves of an intersection, so every wrong field shows at once. */
export const NewQuestionSchema = z.object(QuestionSettingsShape).and(QuestionKindSchema);
export type NewQuestionValue = z.output<typeof NewQuestionSchema>;

/** The scenario titles a new question starts with. */
export function initialScenarioTitles(question: NewQuestionValue): string[] {
  return question.kind === "binary" ? [...BINARY_SCENARIO_TITLES] : question.scenarioTitles;
}

const scenarioTitle = singleLine("Scenario title", AUTHORING_LIMITS.scenarioTitle, { required: true });

export const ScenarioTextsSchema = z.object({
  id: z.string({ required_error: "The form lost a scenario’s id; reload the page" }).min(1).max(64),
  title: scenarioTitle,
  summary: multiLine("Summary", AUTHORING_LIMITS.scenarioText, { required: false }),
  whatHappens: itemLines("What happens", AUTHORING_LIMITS.scenarioText),
  catalysts: itemLines("Required catalysts", AUTHORING_LIMITS.scenarioText),
  timeline: multiLine("Timeline", AUTHORING_LIMITS.scenarioText, { required: false }),
  thesis: multiLine("Investable thesis", AUTHORING_LIMITS.scenarioText, { required: false }),
});
export type ScenarioTextsValue = z.output<typeof ScenarioTextsSchema>;

/** Every scenario of a question in one form, in position order; the ids say which row is which. */
export const ScenariosFormSchema = z.object({
  scenarios: z
    .array(ScenarioTextsSchema, { required_error: "The form has no scenarios; reload the page" })
    .min(AUTHORING_LIMITS.minScenarios, "The form has too few scenarios; reload the page")
    .max(AUTHORING_LIMITS.maxScenarios, `A question has at most ${AUTHORING_LIMITS.maxScenarios} scenarios`),
});

export const AddScenarioSchema = z.object({
  title: scenarioTitle,
  summary: multiLine("Summary", AUTHORING_LIMITS.scenarioText, { required: false }),
});

export const QuestionStatusSchema = z.object({
  status: z.enum(QUESTION_STATUSES, { errorMap: () => ({ message: "Status must be open or closed" }) }),
});
