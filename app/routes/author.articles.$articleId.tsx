import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireEditableArticle } from "~/auth/authoring-guards.server";
import { requireRole } from "~/auth/guards.server";
import { ArticleFields } from "~/components/ArticleFields";
import { ChoiceField, DateField, StatusBadge, TextAreaField } from "~/components/AuthoringFields";
import { Panel } from "~/components/Panel";
import { DateText } from "~/components/DateText";
import { FormErrors, TextField, SaveRow } from "~/components/FormField";
import { useZodForm } from "~/components/use-zod-form";
import {
  AUTHORING_LIMITS,
  ArticleFormSchema,
  NewQuestionSchema,
  QUESTION_KIND_OPTIONS,
  REVEAL_CROWD_OPTIONS,
  initialScenarioTitles,
  publicationBlocker,
} from "~/domain/authoring-forms";
import { readFormData } from "~/forms/read-form-data.server";
import { headersFromLoader } from "~/http-cache";
import { AuthoringConflictError, createQuestion, setArticlePublished, updateArticle } from "~/models/authoring.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `Edit “${data.article.title}”` : "Edit article"} — Crowdline` }];

export const headers = headersFromLoader;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const article = await requireEditableArticle(user, params.articleId);
  return data({ article, publicationBlocker: publicationBlocker(article) }, { headers: { "Cache-Control": "private, no-store" } });
}

type Intent = "article" | "publication" | "question";
type ActionResult = { intent: Intent; result: SubmissionResult<string[]>; saved?: string };

const reply = (intent: Intent, result: SubmissionResult<string[]>, status: number, saved?: string) => data<ActionResult>({ intent, result, saved }, { status });
const formError = (message: string): SubmissionResult<string[]> => ({ status: "error", error: { "": [message] } });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const article = await requireEditableArticle(user, params.articleId);
  const formData = await readFormData(request);

  switch (formData.get("intent")) {
    case "article": {
      const submission = parseBoundedForm(formData, { schema: ArticleFormSchema });
      if (submission.status !== "success") return reply("article", submission.reply(), 422);
      try {
        if (!(await updateArticle(article.id, submission.value))) throw new Response("There is no article at this address.", { status: 404 });
      } catch (error) {
        if (error instanceof AuthoringConflictError) return reply("article", submission.reply({ fieldErrors: { slug: [error.message] } }), 409);
        throw error;
      }
      return reply("article", submission.reply(), 200, "Saved");
    }
    case "publish": {
      // Judged on what is stored, not on unsaved edits in the other form.
      const blocker = publicationBlocker(article);
      if (blocker) return reply("publication", formError(`${blocker}.`), 422);
      await setArticlePublished(article.id, true);
      return reply("publication", { status: "success" }, 200, "Published");
    }
    case "unpublish": {
      await setArticlePublished(article.id, false);
      return reply("publication", { status: "success" }, 200, "Unpublished: the article is a draft again");
    }
    case "question": {
      const submission = parseBoundedForm(formData, { schema: NewQuestionSchema });
      if (submission.status !== "success") return reply("question", submission.reply(), 422);
      const { kind, title, description, revealCrowd, closesAt } = submission.value;
      const created = await createQuestion({
        articleId: article.id,
        kind,
        scenarioTitles: initialScenarioTitles(submission.value),
        settings: { title, description, revealCrowd, closesAt },
      });
      if (!created) throw new Response("There is no article at this address.", { status: 404 });
      return reply("question", submission.reply({ resetForm: true }), 200, "Question added");
    }
    default:
      return reply("article", formError("Unknown action; reload the page and try again."), 400);
  }
}

export default function EditArticlePage() {
  const { article, publicationBlocker: blocker } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const resultFor = (intent: Intent) => (actionData?.intent === intent ? actionData.result : undefined);
  const savedFor = (intent: Intent) => (actionData?.intent === intent ? actionData.saved : undefined);
  const published = article.publishedAt !== null;

  const [articleForm, articleFields] = useZodForm({
    id: "article",
    schema: ArticleFormSchema,
    lastResult: resultFor("article"),
    defaultValue: { title: article.title, slug: article.slug, dek: article.dek, summary: article.summary, body: article.body },
  });
  const [questionForm, questionFields] = useZodForm({
    id: "question",
    schema: NewQuestionSchema,
    lastResult: resultFor("question"),
    defaultValue: { kind: "scenarios", revealCrowd: "always" },
  });
  // No fields to validate in the browser: only the server's answer is shown.
  const publicationErrors = resultFor("publication")?.error?.[""] ?? undefined;

  return (
    <div className="mx-auto max-w-3xl space-y-8 px-5 py-10 sm:py-14">
      <header>
        <Link to="/author" className="text-sm text-stone-600 hover:underline dark:text-stone-300">
          ← Your articles
        </Link>
        <h1 className="mt-2 font-serif text-3xl font-bold tracking-tight">{article.title}</h1>
        <p className="mt-2 flex flex-wrap items-center gap-2 text-sm text-stone-600 dark:text-stone-300">
          <StatusBadge published={published} />
          <span>by {article.authorName}</span>
        </p>
      </header>

      <Panel id="publication" title="Publication">
        {published ? (
          <p className="text-sm text-stone-600 dark:text-stone-300">
            Published on <DateText date={article.publishedAt!} />. Readers find it at{" "}
            <Link to={`/articles/${article.slug}`} className="font-mono text-accent-700 underline dark:text-accent-300">
              /articles/{article.slug}
            </Link>
            .
          </p>
        ) : (
          <p className="text-sm text-stone-600 dark:text-stone-300">
            A draft: only you and the admins can see it. Publishing puts it on the front page.
            {blocker && !publicationErrors && <span className="mt-1 block text-amber-800 dark:text-amber-300">{blocker}.</span>}
          </p>
        )}
        <Form method="post" className="mt-4 space-y-3">
          <FormErrors id="publication-errors" errors={publicationErrors} />
          <input type="hidden" name="intent" value={published ? "unpublish" : "publish"} />
          <SaveRow
            label={published ? "Unpublish" : "Publish"}
            pendingLabel={published ? "Unpublishing…" : "Publishing…"}
            intent={published ? "unpublish" : "publish"}
            saved={savedFor("publication")}
          />
        </Form>
      </Panel>

      <Panel id="article" title="Article">
        <Form method="post" {...getFormProps(articleForm)} className="space-y-4">
          <input type="hidden" name="intent" value="article" />
          <FormErrors id={articleForm.errorId} errors={articleForm.errors} />
          <ArticleFields form={articleForm} fields={articleFields} suggestSlugFromTitle={false} lockedSlug={published ? article.slug : undefined} />
          <SaveRow label="Save article" pendingLabel="Saving…" intent="article" saved={savedFor("article")} />
        </Form>
      </Panel>

      <Panel id="questions" title="Questions">
        {article.questions.length === 0 ? (
          <p className="rounded-lg border border-dashed border-stone-300 p-6 text-center text-sm text-stone-600 dark:border-stone-700 dark:text-stone-300">
            No questions yet. Readers forecast on questions, so add the first one below; then set its baseline on its own page.
          </p>
        ) : (
          <ol className="divide-y divide-stone-200 dark:divide-stone-800">
            {article.questions.map((question) => (
              <li key={question.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-3">
                <div className="min-w-0">
                  <Link to={`/author/questions/${question.id}`} className="font-medium hover:text-accent-700 hover:underline dark:hover:text-accent-300">
                    {question.title}
                  </Link>
                  <p className="text-sm text-stone-500 dark:text-stone-400">
                    {question.kind === "binary" ? "Binary claim" : `${question.scenarioCount} scenarios`} · {question.status === "open" ? "open" : "closed"} ·{" "}
                    {question.forecastCount} {question.forecastCount === 1 ? "forecast" : "forecasts"}
                  </p>
                </div>
                <Link
                  to={`/author/questions/${question.id}`}
                  aria-label={`Edit question “${question.title}”`}
                  className="rounded-md border border-stone-300 px-3 py-1.5 text-sm font-medium hover:bg-stone-50 dark:border-stone-700 dark:hover:bg-stone-800"
                >
                  Edit
                </Link>
              </li>
            ))}
          </ol>
        )}
      </Panel>

      <Panel id="add-question" title="Add a question">
        <Form method="post" {...getFormProps(questionForm)} className="space-y-4">
          <input type="hidden" name="intent" value="question" />
          <FormErrors id={questionForm.errorId} errors={questionForm.errors} />
          <ChoiceField legend="Kind" field={questionFields.kind} options={QUESTION_KIND_OPTIONS} />
          <TextField label="Question title" field={questionFields.title} hint={`Up to ${AUTHORING_LIMITS.questionTitle} characters.`} />
          <TextAreaField label="Description" field={questionFields.description} rows={3} hint="What readers forecast, and how it will be judged." />
          <div hidden={questionFields.kind.value === "binary"}>
            <TextAreaField
              label="Scenarios"
              field={questionFields.scenarioTitles}
              rows={4}
              hint={`One scenario title per line, ${AUTHORING_LIMITS.minScenarios} to ${AUTHORING_LIMITS.maxScenarios}. Their texts are edited on the question’s page. Not used for a binary claim, which gets “Yes” and “No”.`}
            />
          </div>
          <ChoiceField legend="Reveal the crowd" field={questionFields.revealCrowd} options={REVEAL_CROWD_OPTIONS} />
          <DateField label="Closes at" field={questionFields.closesAt} hint="Optional. Forecasting closes at 00:00 UTC on this day." />
          <SaveRow label="Add question" pendingLabel="Adding…" intent="question" saved={savedFor("question")} />
        </Form>
      </Panel>
    </div>
  );
}
