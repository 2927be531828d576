import { getFormProps } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { LoginSchema } from "~/auth/account-forms";
import { verifyPassword } from "~/auth/password.server";
import { rateLimitAccountKey, redirectIfSignedIn, signInAndRedirect, tooManyAttempts } from "~/auth/sign-in.server";
import { AuthCard } from "~/components/AuthCard";
import { FormErrors, SubmitButton, TextField } from "~/components/FormField";
import { useZodForm } from "~/components/use-zod-form";
import { headersFromActionAndLoader } from "~/http-cache";
import { readFormData } from "~/forms/read-form-data.server";
import { findLoginCandidate } from "~/models/user.server";

export const headers = headersFromActionAndLoader;

export const meta: MetaFunction = () => [{ title: "Log in — Crowdline" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  redirectIfSignedIn(request, context);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  const hidePasswords = { hideFields: ["password"] };
  const verdict = await context.rateLimits.consume("login", context.clientIp, rateLimitAccountKey(formData.get("identifier")));
  const submission = parseBoundedForm(formData, { schema: LoginSchema });
  if (!verdict.allowed) return tooManyAttempts(submission, verdict);
  if (submission.status !== "success") return data({ result: submission.reply(hidePasswords) }, { status: 422 });

  const { identifier, password, redirectTo } = submission.value;
  const candidate = await findLoginCandidate(identifier);
  // Verified even when there is no such account, so both failures take the same time.
  const matches = await verifyPassword(candidate?.passwordHash ?? null, password);
  if (!candidate || !matches) {
    return data({ result: submission.reply({ formErrors: ["That username or email and password do not match an account."], ...hidePasswords }) }, { status: 400 });
  }
  return signInAndRedirect(context, candidate.id, redirectTo);
}

export default function LoginPage() {
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const redirectTo = searchParams.get("redirectTo") ?? "";
  const [form, fields] = useZodForm({ id: "login", schema: LoginSchema, lastResult: actionData?.result });
  const signupHref = redirectTo ? `/signup?${new URLSearchParams({ redirectTo })}` : "/signup";

  return (
    <AuthCard
      title="Log in"
      intro="Welcome back. Your forecasts are where you left them."
      footer={
        <>
          New here?{" "}
          <Link to={signupHref} className="font-medium text-accent-700 underline dark:text-accent-300">
            Create an account
          </Link>
        </>
      }
    >
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField label="Username or email" field={fields.identifier} autoComplete="username" />
        <TextField label="Password" field={fields.password} type="password" autoComplete="current-password" />
        <SubmitButton pendingLabel="Logging in…">Log in</SubmitButton>
      </Form>
    </AuthCard>
  );
}
