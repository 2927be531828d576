import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData } from "@remix-run/react";
import { requireRole } from "~/auth/guards.server";
import { ArticleFields } from "~/components/ArticleFields";
import { Panel } from "~/components/Panel";
import { FormErrors, SubmitButton } from "~/components/FormField";
import { useZodForm } from "~/components/use-zod-form";
import { ArticleFormSchema } from "~/domain/authoring-forms";
import { readFormData } from "~/forms/read-form-data.server";
import { headersFromLoader } from "~/http-cache";
import { AuthoringConflictError, createArticle } from "~/models/authoring.server";

export const meta: MetaFunction = () => [{ title: "New article — Crowdline" }];

export const headers = headersFromLoader;

export function loader({ request, context }: LoaderFunctionArgs) {
  requireRole(request, context, "author", "admin");
  return data(null, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const submission = parseBoundedForm(await readFormData(request), { schema: ArticleFormSchema });
  if (submission.status !== "success") return data<{ result: SubmissionResult<string[]> }>({ result: submission.reply() }, { status: 422 });
  try {
    const article = await createArticle({ ...submission.value, authorId: user.id });
    return redirect(`/author/articles/${article.id}`);
  } catch (error) {
    if (error instanceof AuthoringConflictError) {
      return data({ result: submission.reply({ fieldErrors: { slug: [error.message] } }) }, { status: 409 });
    }
    throw error;
  }
}

export default function NewArticlePage() {
  const actionData = useActionData<typeof action>();
  const [form, fields] = useZodForm({ id: "article", schema: ArticleFormSchema, lastResult: actionData?.result });
  return (
    <div className="mx-auto max-w-3xl space-y-8 px-5 py-10 sm:py-14">
      <header>
        <Link to="/author" className="text-sm text-stone-600 hover:underline dark:text-stone-300">
          ← Your articles
        </Link>
        <h1 className="mt-2 font-serif text-3xl font-bold tracking-tight">New article</h1>
        <p className="mt-2 text-stone-600 dark:text-stone-300">
          It starts as a draft that only you and the admins can see. Add its questions and baselines next, then publish it.
        </p>
      </header>
      <Panel id="article" title="Article">
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <FormErrors id={form.errorId} errors={form.errors} />
          <ArticleFields form={form} fields={fields} suggestSlugFromTitle />
          <SubmitButton pendingLabel="Creating…">Create draft</SubmitButton>
        </Form>
      </Panel>
    </div>
  );
}
