import { getFormProps } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { HONEYPOT_FIELD, SignupSchema } from "~/auth/account-forms";
import { hashPassword } from "~/auth/password.server";
import { rateLimitAccountKey, redirectIfSignedIn, signInAndRedirect, tooManyAttempts } from "~/auth/sign-in.server";
import { AuthCard } from "~/components/AuthCard";
import { FormErrors, SubmitButton, TextField } from "~/components/FormField";
import { useZodForm } from "~/components/use-zod-form";
import { headersFromActionAndLoader } from "~/http-cache";
import { readFormData } from "~/forms/read-form-data.server";
import { AccountConflictError, createUser, findTakenAccountField } from "~/models/user.server";

export const headers = headersFromActionAndLoader;

export const meta: MetaFunction = () => [{ title: "Create an account — Crowdline" }];

const TAKEN = { username: "That username is taken; try another", email: "An account with this email already exists; log in instead" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  redirectIfSignedIn(request, context);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  const hidePasswords = { hideFields: ["password"] };
  const submission = parseBoundedForm(formData, { schema: SignupSchema });
  // People never see the honeypot field; only form-filling bots put something in it.
  if (formData.get(HONEYPOT_FIELD)) {
    return data({ result: submission.reply({ formErrors: ["This form could not be accepted."], ...hidePasswords }) }, { status: 400 });
  }
  const verdict = await context.rateLimits.consume("signup", context.clientIp, rateLimitAccountKey(formData.get("username")));
  if (!verdict.allowed) return tooManyAttempts(submission, verdict);
  if (submission.status !== "success") return data({ result: submission.reply(hidePasswords) }, { status: 422 });

  const { username, email, password, redirectTo } = submission.value;
  // A cheap look first, for a clear message without hashing; the unique index settles races.
  const taken = await findTakenAccountField(username, email);
  if (taken) return data({ result: submission.reply({ fieldErrors: { [taken]: [TAKEN[taken]] }, ...hidePasswords }) }, { status: 409 });
  try {
    const user = await createUser({ username, email, passwordHash: await hashPassword(password) });
    return signInAndRedirect(context, user.id, redirectTo);
  } catch (error) {
    if (!(error instanceof AccountConflictError)) throw error;
    return data({ result: submission.reply({ fieldErrors: { [error.field]: [TAKEN[error.field]] }, ...hidePasswords }) }, { status: 409 });
  }
}

export default function SignupPage() {
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const redirectTo = searchParams.get("redirectTo") ?? "";
  const [form, fields] = useZodForm({ id: "signup", schema: SignupSchema, lastResult: actionData?.result });
  const loginHref = redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : "/login";

  return (
    <AuthCard
      title="Create an account"
      intro="Give your own probabilities, argue for them, and see how you score when the questions resolve."
      footer={
        <>
          Already have an account?{" "}
          <Link to={loginHref} className="font-medium text-accent-700 underline dark:text-accent-300">
            Log in
          </Link>
        </>
      }
    >
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField label="Username" field={fields.username} autoComplete="username" hint="3–30 characters: letters, digits and underscores." />
        <TextField label="Email" field={fields.email} type="email" autoComplete="email" />
        <TextField label="Password" field={fields.password} type="password" autoComplete="new-password" hint="At least 10 characters; not your username or email." />
        <div className="absolute -left-[10000px] h-px w-px overflow-hidden" aria-hidden="true">
          <label htmlFor="signup-website">Leave this field empty</label>
          <input id="signup-website" name={HONEYPOT_FIELD} type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <SubmitButton pendingLabel="Creating account…">Create account</SubmitButton>
      </Form>
    </AuthCard>
  );
}
