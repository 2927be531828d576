import { getFormProps, getInputProps, type SubmissionResult } from "@conform-to/react";
import { parseBoundedForm } from "~/forms/bounded-form";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { EndOtherSessionsSchema, PreferencesSchema, ProfileSchema, changePasswordSchema, deleteAccountSchema } from "~/auth/account-forms";
import { requireUser } from "~/auth/guards.server";
import { hashPassword, verifyPassword } from "~/auth/password.server";
import { signOutAndRedirect } from "~/auth/sign-in.server";
import { DateText } from "~/components/DateText";
import { FieldErrors, FormErrors, SaveRow, SubmitButton, TextField } from "~/components/FormField";
import { Panel } from "~/components/Panel";
import { useZodForm } from "~/components/use-zod-form";
import { readFormData } from "~/forms/read-form-data.server";
import { headersFromLoader } from "~/http-cache";
import { deleteUserSessions, listUserSessions } from "~/models/session.server";
import { deleteAccount, getPasswordHash, replacePassword, updateDisplayName, updatePreferences } from "~/models/user.server";

// The loader says `private, no-store`; without this export Remix would drop it.
export const headers = headersFromLoader;

export const meta: MetaFunction = () => [{ title: "Settings — Crowdline" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requireUser(request, context);
  const currentSessionId = context.auth!.session.id;
  const sessions = (await listUserSessions(user.id)).map(({ id, ...session }) => ({ ...session, current: id === currentSessionId }));
  return data(
    {
      user: { username: user.username, email: user.email, displayName: user.displayName, hideCrowdUntilForecast: user.hideCrowdUntilForecast },
      sessions,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

type Intent = "profile" | "password" | "preferences" | "sessions" | "delete";
type ActionResult = { intent: Intent; result: SubmissionResult<string[]>; saved?: string };

const reply = (intent: Intent, result: SubmissionResult<string[]>, status: number, saved?: string) =>
  data<ActionResult>({ intent, result, saved }, { status });

async function isCurrentPassword(userId: string, candidate: string): Promise<boolean> {
  return verifyPassword(await getPasswordHash(userId), candidate);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(request, context);
  const session = context.auth!.session;
  const formData = await readFormData(request);

  switch (formData.get("intent")) {
    case "profile": {
      const submission = parseBoundedForm(formData, { schema: ProfileSchema });
      if (submission.status !== "success") return reply("profile", submission.reply(), 422);
      await updateDisplayName(user.id, submission.value.displayName || null);
      return reply("profile", submission.reply(), 200, "Display name saved.");
    }
    case "preferences": {
      const submission = parseBoundedForm(formData, { schema: PreferencesSchema });
      if (submission.status !== "success") return reply("preferences", submission.reply(), 422);
      await updatePreferences(user.id, { hideCrowdUntilForecast: submission.value.hideCrowdUntilForecast });
      return reply("preferences", submission.reply(), 200, "Preferences saved.");
    }
    case "password": {
      const submission = parseBoundedForm(formData, { schema: changePasswordSchema(user) });
      const hideFields = ["currentPassword", "newPassword", "confirmPassword"];
      if (submission.status !== "success") return reply("password", submission.reply({ hideFields }), 422);
      if (!(await isCurrentPassword(user.id, submission.value.currentPassword))) {
        return reply("password", submission.reply({ fieldErrors: { currentPassword: ["That is not your current password"] }, hideFields }), 400);
      }
      const ended = await replacePassword(user.id, await hashPassword(submission.value.newPassword), session.id);
      const others = ended === 1 ? "1 other session was" : `${ended} other sessions were`;
      return reply("password", submission.reply({ resetForm: true }), 200, `Password changed. ${others} signed out.`);
    }
    case "sessions": {
      const submission = parseBoundedForm(formData, { schema: EndOtherSessionsSchema });
      const hideFields = ["currentPassword"];
      if (submission.status !== "success") return reply("sessions", submission.reply({ hideFields }), 422);
      if (!(await isCurrentPassword(user.id, submission.value.currentPassword))) {
        return reply("sessions", submission.reply({ fieldErrors: { currentPassword: ["That is not your current password"] }, hideFields }), 400);
      }
      const ended = await deleteUserSessions(user.id, session.id);
      return reply("sessions", submission.reply({ resetForm: true }), 200, ended === 1 ? "Signed out of 1 other session." : `Signed out of ${ended} other sessions.`);
    }
    case "delete": {
      const submission = parseBoundedForm(formData, { schema: deleteAccountSchema(user.username) });
      if (submission.status !== "success") return reply("delete", submission.reply(), 422);
      await deleteAccount(user.id);
      // The session row went with the account; this clears the cookie.
      return signOutAndRedirect({ ...context, auth: null });
    }
    default:
      return reply("profile", { status: "error", error: { "": ["Unknown action; reload the page and try again."] } }, 400);
  }
}


export default function SettingsPage() {
  const { user, sessions } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const resultFor = (intent: Intent) => (actionData?.intent === intent ? actionData.result : undefined);
  const savedFor = (intent: Intent) => (actionData?.intent === intent ? actionData.saved : undefined);

  const [profileForm, profileFields] = useZodForm({
    id: "profile",
    schema: ProfileSchema,
    lastResult: resultFor("profile"),
    defaultValue: { displayName: user.displayName ?? "" },
  });
  const [passwordForm, passwordFields] = useZodForm({ id: "password", schema: changePasswordSchema(user), lastResult: resultFor("password") });
  const [sessionsForm, sessionsFields] = useZodForm({ id: "sessions", schema: EndOtherSessionsSchema, lastResult: resultFor("sessions") });
  const [deleteForm, deleteFields] = useZodForm({ id: "delete", schema: deleteAccountSchema(user.username), lastResult: resultFor("delete") });

  return (
    <div className="mx-auto max-w-2xl space-y-8 px-5 py-10 sm:py-14">
      <header>
        <h1 className="font-serif text-3xl font-bold tracking-tight">Settings</h1>
        <p className="mt-2 text-stone-600 dark:text-stone-300">
          Signed in as <strong>{user.username}</strong> ({user.email}).
        </p>
      </header>

      <Panel id="profile" title="Profile">
        <Form method="post" {...getFormProps(profileForm)} className="space-y-3">
          <input type="hidden" name="intent" value="profile" />
          <FormErrors id={profileForm.errorId} errors={profileForm.errors} />
          <TextField label="Display name" field={profileFields.displayName} autoComplete="nickname" hint="Shown next to your comments and forecasts instead of your username. Leave empty to use your username." />
          <SaveRow label="Save display name" pendingLabel="Saving…" intent="profile" saved={savedFor("profile")} />
        </Form>
      </Panel>

      <Panel id="password" title="Password">
        <Form method="post" {...getFormProps(passwordForm)} className="space-y-3">
          <input type="hidden" name="intent" value="password" />
          <FormErrors id={passwordForm.errorId} errors={passwordForm.errors} />
          <TextField label="Current password" field={passwordFields.currentPassword} type="password" autoComplete="current-password" />
          <TextField label="New password" field={passwordFields.newPassword} type="password" autoComplete="new-password" hint="At least 10 characters. Changing it signs you out everywhere else." />
          <TextField label="Repeat new password" field={passwordFields.confirmPassword} type="password" autoComplete="new-password" />
          <SaveRow label="Change password" pendingLabel="Changing…" intent="password" saved={savedFor("password")} />
        </Form>
      </Panel>

      <Panel id="preferences" title="Preferences">
        <Form method="post" className="space-y-3">
          <input type="hidden" name="intent" value="preferences" />
          <div className="flex items-start gap-3">
            <input
              id="hide-crowd-until-forecast"
              name="hideCrowdUntilForecast"
              type="checkbox"
              // Re-mounted when the saved value changes, so the box shows what is stored.
              key={String(user.hideCrowdUntilForecast)}
              defaultChecked={user.hideCrowdUntilForecast}
              className="mt-1 h-4 w-4 rounded border-stone-400 text-accent-600 focus:ring-accent-500"
            />
            <label htmlFor="hide-crowd-until-forecast" className="text-sm">
              <span className="font-medium">Hide the crowd until I forecast</span>
              <span className="block text-stone-500 dark:text-stone-400">
                Keep the crowd’s figures out of sight on each question until you have given your own, so they cannot anchor you.
              </span>
            </label>
          </div>
          <SaveRow label="Save preferences" pendingLabel="Saving…" intent="preferences" saved={savedFor("preferences")} />
        </Form>
      </Panel>

      <Panel id="sessions" title="Where you are signed in">
        <ul className="divide-y divide-stone-200 text-sm dark:divide-stone-800">
          {sessions.map((session) => (
            <li key={session.createdAt.toISOString()} className="flex flex-wrap justify-between gap-x-4 py-2">
              <span>
                Signed in <DateText date={session.createdAt} />
                {session.current && <strong className="ml-2 text-accent-700 dark:text-accent-300">(this browser)</strong>}
              </span>
              <span className="text-stone-500 dark:text-stone-400">
                last active <DateText date={session.lastSeenAt} />
              </span>
            </li>
          ))}
        </ul>
        {sessions.length > 1 ? (
          <Form method="post" {...getFormProps(sessionsForm)} className="mt-4 space-y-3">
            <input type="hidden" name="intent" value="sessions" />
            <FormErrors id={sessionsForm.errorId} errors={sessionsForm.errors} />
            <TextField label="Current password" field={sessionsFields.currentPassword} type="password" autoComplete="current-password" hint="Needed to sign out your other devices." />
            <SaveRow label="Sign out everywhere else" pendingLabel="Signing out…" intent="sessions" saved={savedFor("sessions")} />
          </Form>
        ) : (
          <p className="mt-3 text-sm text-stone-500 dark:text-stone-400">
            {savedFor("sessions") ?? "This browser is your only session."}
          </p>
        )}
      </Panel>

      <Panel id="data" title="Your data">
        <p className="text-sm text-stone-600 dark:text-stone-300">
          Everything we hold about you — your account, sessions, forecasts and comments — as one JSON file.
        </p>
        <a
          href="/settings/data.json"
          download
          className="mt-3 inline-block rounded-md border border-stone-300 px-4 py-2 text-sm font-medium hover:bg-stone-50 dark:border-stone-700 dark:hover:bg-stone-800"
        >
          Download my data
        </a>
      </Panel>

      <Panel id="delete" title="Delete my account" tone="danger">
        <p className="text-sm text-stone-600 dark:text-stone-300">
          Your name, email and password are erased and you are signed out everywhere. Your forecasts stay in the crowd’s
          history without your name; your comments will show as “[deleted]”. This cannot be undone.
        </p>
        <Form method="post" {...getFormProps(deleteForm)} className="mt-4 space-y-3">
          <input type="hidden" name="intent" value="delete" />
          <FormErrors id={deleteForm.errorId} errors={deleteForm.errors} />
          <div>
            <label htmlFor={deleteFields.confirmUsername.id} className="block text-sm font-medium">
              Type your username, <strong>{user.username}</strong>, to confirm
            </label>
            <input
              {...getInputProps(deleteFields.confirmUsername, { type: "text" })}
              key={deleteFields.confirmUsername.key}
              autoComplete="off"
              className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 dark:border-stone-700 dark:bg-stone-900"
            />
            <FieldErrors id={deleteFields.confirmUsername.errorId} errors={deleteFields.confirmUsername.errors} />
          </div>
          <SubmitButton intent="delete" tone="danger" pendingLabel="Deleting…">
            Delete my account
          </SubmitButton>
        </Form>
      </Panel>
    </div>
  );
}
