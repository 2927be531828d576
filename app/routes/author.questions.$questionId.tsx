import { getFormProps, getInputProps, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useMemo, type ReactNode } from "react";
import { requireEditableQuestion } from "~/auth/authoring-guards.server";
import { requireRole } from "~/auth/guards.server";
import { ChoiceField, DateField, TextAreaField } from "~/components/AuthoringFields";
import { Panel } from "~/components/Panel";
import { DateText } from "~/components/DateText";
import { FieldErrors, FormErrors, TextField, SaveRow } from "~/components/FormField";
import { useZodForm } from "~/components/use-zod-form";
import {
  AUTHORING_LIMITS,
  AddScenarioSchema,
  QuestionSettingsSchema,
  QuestionStatusSchema,
  REVEAL_CROWD_OPTIONS,
  ScenariosFormSchema,
  toDateInputValue,
} from "~/domain/authoring-forms";
import { toDisplayPercentages } from "~/domain/display-percentages";
import { baselineFormSchema, type QuestionKind } from "~/domain/forecast";
import { WHOLE_VECTOR_ERROR_PATH, probabilityFieldName } from "~/domain/probability-fields";
import { readFormData } from "~/forms/read-form-data.server";
import { headersFromLoader } from "~/http-cache";
import { AuthoringConflictError, addScenario, setQuestionStatus, updateQuestionSettings, updateScenarioTexts, type EditableQuestion } from "~/models/authoring.server";
import { BaselineMismatchError, createBaselineRevision, listBaselineRevisions } from "~/models/baseline.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `Edit “${data.question.title}”` : "Edit question"} — Crowdline` }];

export const headers = headersFromLoader;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const question = await requireEditableQuestion(user, params.questionId);
  const revisions = (await listBaselineRevisions(question.id)).reverse();
  return data({ question, revisions }, { headers: { "Cache-Control": "private, no-store" } });
}

type Intent = "settings" | "status" | "baseline" | "scenarios" | "add-scenario";
type ActionResult = { intent: Intent; result: SubmissionResult<string[]>; saved?: string };

const reply = (intent: Intent, result: SubmissionResult<string[]>, status: number, saved?: string) => data<ActionResult>({ intent, result, saved }, { status });
const formError = (message: string): SubmissionResult<string[]> => ({ status: "error", error: { "": [message] } });
const gone = () => new Response("There is no question at this address.", { status: 404, statusText: "Not Found" });

const baselineSchemaOf = (question: { kind: QuestionKind; scenarios: ReadonlyArray<{ id: string; title: string }> }) =>
  baselineFormSchema(
    question.scenarios.map(({ id, title }) => ({ id, title })),
    question.kind,
  );

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const question = await requireEditableQuestion(user, params.questionId);
  const formData = await readFormData(request);

  switch (formData.get("intent")) {
    case "settings": {
      const submission = parseBoundedForm(formData, { schema: QuestionSettingsSchema });
      if (submission.status !== "success") return reply("settings", submission.reply(), 422);
      if (!(await updateQuestionSettings(question.id, submission.value))) throw gone();
      return reply("settings", submission.reply(), 200, "Saved");
    }
    case "status": {
      const submission = parseBoundedForm(formData, { schema: QuestionStatusSchema });
      if (submission.status !== "success") return reply("status", submission.reply(), 422);
      if (!(await setQuestionStatus(question.id, submission.value.status))) throw gone();
      return reply("status", submission.reply(), 200, submission.value.status === "closed" ? "Forecasting closed" : "Forecasting reopened");
    }
    case "baseline": {
      const submission = parseBoundedForm(formData, { schema: baselineSchemaOf(question) });
      if (submission.status !== "success") return reply("baseline", submission.reply(), 422);
      try {
        const created = await createBaselineRevision({ questionId: question.id, authorId: user.id, ...submission.value });
        if (!created) throw gone();
      } catch (error) {
        if (error instanceof BaselineMismatchError) return reply("baseline", submission.reply({ formErrors: [error.message] }), 409);
        throw error;
      }
      return reply("baseline", submission.reply({ resetForm: true }), 200, "Baseline revision published");
    }
    case "scenarios": {
      const submission = parseBoundedForm(formData, { schema: ScenariosFormSchema });
      if (submission.status !== "success") return reply("scenarios", submission.reply(), 422);
      try {
        await updateScenarioTexts(question.id, submission.value.scenarios);
      } catch (error) {
        if (error instanceof AuthoringConflictError) return reply("scenarios", submission.reply({ formErrors: [error.message] }), 409);
        throw error;
      }
      return reply("scenarios", submission.reply(), 200, "Saved");
    }
    case "add-scenario": {
      const submission = parseBoundedForm(formData, { schema: AddScenarioSchema });
      if (submission.status !== "success") return reply("add-scenario", submission.reply(), 422);
      try {
        if (!(await addScenario(question.id, submission.value))) throw gone();
      } catch (error) {
        if (error instanceof AuthoringConflictError) return reply("add-scenario", submission.reply({ formErrors: [error.message] }), 409);
        throw error;
      }
      return reply("add-scenario", submission.reply({ resetForm: true }), 200, "Scenario added");
    }
    default:
      return reply("settings", formError("Unknown action; reload the page and try again."), 400);
  }
}

type LoadedQuestion = ReturnType<typeof useLoaderData<typeof loader>>["question"];
type Results = { resultFor: (intent: Intent) => SubmissionResult<string[]> | undefined; savedFor: (intent: Intent) => string | undefined };

export default function EditQuestionPage() {
  const { question, revisions } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const results: Results = {
    resultFor: (intent) => (actionData?.intent === intent ? actionData.result : undefined),
    savedFor: (intent) => (actionData?.intent === intent ? actionData.saved : undefined),
  };
  const open = question.status === "open";
  const statusErrors = results.resultFor("status")?.error;

  return (
    <div className="mx-auto max-w-3xl space-y-8 px-5 py-10 sm:py-14">
      <header>
        <Link to={`/author/articles/${question.article.id}`} className="text-sm text-stone-600 hover:underline dark:text-stone-300">
          ← {question.article.title}
        </Link>
        <h1 className="mt-2 font-serif text-3xl font-bold tracking-tight">{question.title}</h1>
        <p className="mt-2 text-sm text-stone-600 dark:text-stone-300">
          {question.kind === "binary" ? "Binary claim" : `${question.scenarios.length} scenarios`} · {open ? "open for forecasting" : "closed"} ·{" "}
          {question.forecastCount} {question.forecastCount === 1 ? "forecast" : "forecasts"}
          {question.article.publishedAt && (
            <>
              {" · "}
              <Link to={`/articles/${question.article.slug}`} className="text-accent-700 underline dark:text-accent-300">
                see it on the site
              </Link>
            </>
          )}
        </p>
      </header>

      <Panel id="forecasting" title="Forecasting">
        <p className="text-sm text-stone-600 dark:text-stone-300">
          {open
            ? "Open: readers can forecast and change their forecasts."
            : "Closed: readers see the forecasts but can no longer give or change one."}
        </p>
        <Form method="post" className="mt-4 space-y-3">
          <FormErrors id="status-errors" errors={statusErrors ? Object.values(statusErrors).flatMap((messages) => messages ?? []) : undefined} />
          <input type="hidden" name="intent" value="status" />
          <input type="hidden" name="status" value={open ? "closed" : "open"} />
          <SaveRow label={open ? "Close forecasting" : "Reopen forecasting"} pendingLabel={open ? "Closing…" : "Reopening…"} intent="status" saved={results.savedFor("status")} />
        </Form>
      </Panel>

      <BaselinePanel key={revisions[0]?.id ?? "none"} question={question} results={results}>
        <RevisionList question={question} revisions={revisions} />
      </BaselinePanel>

      <SettingsPanel question={question} results={results} />

      {question.kind === "scenarios" ? (
        <>
          <ScenariosPanel key={question.scenarios.map((scenario) => scenario.id).join()} question={question} results={results} />
          <AddScenarioPanel question={question} results={results} />
        </>
      ) : (
        <Panel id="scenarios" title="Outcomes">
          <p className="text-sm text-stone-600 dark:text-stone-300">A binary claim has two fixed outcomes, “Yes” and “No”.</p>
        </Panel>
      )}
    </div>
  );
}

function SettingsPanel({ question, results }: { question: LoadedQuestion; results: Results }) {
  const [form, fields] = useZodForm({
    id: "settings",
    schema: QuestionSettingsSchema,
    lastResult: results.resultFor("settings"),
    defaultValue: {
      title: question.title,
      description: question.description,
      revealCrowd: question.revealCrowd,
      closesAt: toDateInputValue(question.closesAt ? new Date(question.closesAt) : null),
    },
  });
  return (
    <Panel id="settings" title="Question">
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <input type="hidden" name="intent" value="settings" />
        <FormErrors id={form.errorId} errors={form.errors} />
        <TextField label="Question title" field={fields.title} hint={`Up to ${AUTHORING_LIMITS.questionTitle} characters.`} />
        <TextAreaField label="Description" field={fields.description} rows={3} hint="What readers forecast, and how it will be judged." />
        <ChoiceField legend="Reveal the crowd" field={fields.revealCrowd} options={REVEAL_CROWD_OPTIONS} />
        <DateField label="Closes at" field={fields.closesAt} hint="Optional. Forecasting closes at 00:00 UTC on this day." />
        <SaveRow label="Save question" pendingLabel="Saving…" intent="settings" saved={results.savedFor("settings")} />
      </Form>
    </Panel>
  );
}

/** The percentages the form starts from: the current baseline, new scenarios at 0, or empty before the first revision. */
function baselineDefaults(question: LoadedQuestion): Record<string, string> {
  const baseline = question.currentBaseline;
  if (!baseline) return {};
  const known = toDisplayPercentages(baseline);
  return Object.fromEntries(question.scenarios.map((scenario, index) => [probabilityFieldName(scenario.id), String(known[index] ?? 0)]));
}

function BaselinePanel({ question, results, children }: { question: LoadedQuestion; results: Results; children: ReactNode }) {
  const schema = useMemo(() => baselineSchemaOf(question), [question]);
  const [form, fields] = useZodForm({
    id: "baseline",
    schema,
    lastResult: results.resultFor("baseline"),
    defaultValue: { note: "", ...baselineDefaults(question) },
  });
  // The schema's probability fields are named after this question's scenarios, so its type
  // cannot list them.
  const byName = fields as unknown as Record<string, FieldMetadata<string | undefined>>;
  const vector = byName[WHOLE_VECTOR_ERROR_PATH]!;
  // Binary: one input for "Yes"; the schema derives "No".
  const inputs = question.kind === "binary" ? question.scenarios.slice(0, 1) : question.scenarios;
  const typed = inputs.map((scenario) => Number(byName[probabilityFieldName(scenario.id)]?.value ?? Number.NaN));
  const total = typed.every(Number.isFinite) ? typed.reduce((sum, value) => sum + value, 0) : null;
  const outdated = question.currentBaseline !== null && question.currentBaseline.length !== question.scenarios.length;

  return (
    <Panel id="baseline" title="Baseline">
      <p className="text-sm text-stone-600 dark:text-stone-300">
        Your probabilities, shown to readers beside the crowd’s. Each revision is kept and shown publicly with its note.
      </p>
      {outdated && (
        <p className="mt-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          The current baseline was set before the last scenario was added, so readers do not see it. Publish a new revision.
        </p>
      )}
      <Form method="post" {...getFormProps(form)} className="mt-4 space-y-4">
        <input type="hidden" name="intent" value="baseline" />
        <FormErrors id={form.errorId} errors={form.errors} />
        <fieldset aria-describedby={vector.errorId}>
          <legend className="text-sm font-medium">New baseline (percent)</legend>
          <div className="mt-2 grid gap-3 sm:grid-cols-2">
            {inputs.map((scenario) => {
              const field = byName[probabilityFieldName(scenario.id)]!;
              const { key, ...props } = getInputProps(field, { type: "number", ariaDescribedBy: vector.errorId });
              return (
                <div key={scenario.id}>
                  <label htmlFor={field.id} className="block text-sm text-stone-800 dark:text-stone-200">
                    {scenario.title}
                  </label>
                  <div className="mt-1 flex items-center gap-2">
                    <input
                      key={key}
                      {...props}
                      min={0}
                      max={100}
                      step="any"
                      inputMode="decimal"
                      className="block w-28 rounded-md border border-stone-300 bg-white px-3 py-2 text-right text-base shadow-sm focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900"
                    />
                    <span aria-hidden="true">%</span>
                  </div>
                  <FieldErrors id={field.errorId} errors={field.errors} />
                </div>
              );
            })}
          </div>
          <p className="text-sm text-stone-500 dark:text-stone-400">
            {question.kind === "binary"
              ? `“No” gets the rest${total !== null ? `: ${Math.round((100 - total) * 10) / 10} %` : ""}.`
              : `Together they must make 100 %${total !== null ? ` (now ${Math.round(total * 10) / 10} %)` : ""}.`}
          </p>
          <FieldErrors id={vector.errorId} errors={vector.errors} />
        </fieldset>
        <TextAreaField label="Note" field={fields.note} rows={3} hint="Why the baseline changes, in a sentence or two. Shown publicly with the revision." />
        <SaveRow label="Publish baseline revision" pendingLabel="Publishing…" intent="baseline" saved={results.savedFor("baseline")} />
      </Form>
      {children}
    </Panel>
  );
}

function RevisionList({ question, revisions }: { question: LoadedQuestion; revisions: ReturnType<typeof useLoaderData<typeof loader>>["revisions"] }) {
  return (
    <div className="mt-8">
      <h3 className="text-base font-semibold">Past revisions</h3>
      {revisions.length === 0 ? (
        <p className="mt-2 text-sm text-stone-600 dark:text-stone-300">
          No baseline yet. Readers compare their forecasts with yours, so publish one before the article goes out.
        </p>
      ) : (
        <ol className="mt-2 divide-y divide-stone-200 dark:divide-stone-800" aria-label="Past baseline revisions, newest first">
          {revisions.map((revision) => {
            const percentages = toDisplayPercentages(revision.probabilities);
            return (
              <li key={revision.id} className="py-3 text-sm">
                <p className="text-stone-500 dark:text-stone-400">
                  <DateText date={new Date(revision.at)} /> · {revision.authorName}
                </p>
                <p className="mt-1 font-medium">
                  {percentages.map((percent, index) => `${question.scenarios[index]?.title ?? `Scenario ${index + 1}`} ${percent} %`).join(" · ")}
                </p>
                <p className="mt-1 text-stone-700 dark:text-stone-300">{revision.note}</p>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

type ScenarioRow = Omit<EditableQuestion["scenarios"][number], "position">;

function ScenariosPanel({ question, results }: { question: LoadedQuestion; results: Results }) {
  const [form, fields] = useZodForm({
    id: "scenarios",
    schema: ScenariosFormSchema,
    lastResult: results.resultFor("scenarios"),
    defaultValue: { scenarios: question.scenarios.map(({ position: _position, ...scenario }): ScenarioRow => scenario) },
  });
  return (
    <Panel id="scenarios" title="Scenarios">
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <input type="hidden" name="intent" value="scenarios" />
        <FormErrors id={form.errorId} errors={form.errors} />
        {fields.scenarios.getFieldList().map((item, index) => {
          const scenario = item.getFieldset();
          const { key, ...idProps } = getInputProps(scenario.id, { type: "hidden" });
          return (
            <fieldset key={item.key} className="space-y-3 rounded-lg border border-stone-200 p-4 dark:border-stone-800">
              <legend className="px-1 text-sm font-semibold">
                Scenario {index + 1}
                {question.scenarios[index] ? `: ${question.scenarios[index]!.title}` : ""}
              </legend>
              <input key={key} {...idProps} />
              <TextField label="Title" field={scenario.title} hint={`Up to ${AUTHORING_LIMITS.scenarioTitle} characters.`} />
              <TextAreaField label="Summary" field={scenario.summary} rows={3} />
              <TextAreaField label="What happens" field={scenario.whatHappens} rows={4} hint="One item per line." />
              <TextAreaField label="Required catalysts" field={scenario.catalysts} rows={3} hint="One item per line." />
              <TextAreaField label="Timeline" field={scenario.timeline} rows={2} />
              <TextAreaField label="Investable thesis" field={scenario.thesis} rows={3} />
            </fieldset>
          );
        })}
        <SaveRow label="Save scenarios" pendingLabel="Saving…" intent="scenarios" saved={results.savedFor("scenarios")} />
      </Form>
    </Panel>
  );
}

function AddScenarioPanel({ question, results }: { question: LoadedQuestion; results: Results }) {
  const [form, fields] = useZodForm({ id: "add-scenario", schema: AddScenarioSchema, lastResult: results.resultFor("add-scenario") });
  const full = question.scenarios.length >= AUTHORING_LIMITS.maxScenarios;
  return (
    <Panel id="add-scenario" title="Add a scenario">
      {question.forecastCount > 0 ? (
        <p className="text-sm text-stone-600 dark:text-stone-300">
          Readers have forecast this question, so its scenarios are fixed: every forecast holds one probability per scenario, in
          this order. You can still edit their texts above.
        </p>
      ) : full ? (
        <p className="text-sm text-stone-600 dark:text-stone-300">This question has the most scenarios a question may have ({AUTHORING_LIMITS.maxScenarios}).</p>
      ) : (
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <input type="hidden" name="intent" value="add-scenario" />
          <p className="text-sm text-stone-600 dark:text-stone-300">
            Possible until the first reader forecasts; after that the scenarios are fixed. New scenarios go last.
          </p>
          <FormErrors id={form.errorId} errors={form.errors} />
          <TextField label="Scenario title" field={fields.title} />
          <TextAreaField label="Summary" field={fields.summary} rows={3} />
          <SaveRow label="Add scenario" pendingLabel="Adding…" intent="add-scenario" saved={results.savedFor("add-scenario")} />
        </Form>
      )}
    </Panel>
  );
}
