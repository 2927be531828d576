import type { SubmissionResult } from "@conform-to/react";
import { data, redirect, type AppLoadContext } from "@remix-run/node";
import type { RateLimitVerdict } from "./rate-limit.server";
import { safeRedirectPath } from "./redirect-target";
import { createSession, invalidateSession, serializeBlankSessionCookie, serializeSessionCookie } from "./session.server";

/**
 * Starts a fresh session for `userId` and sends the browser on. Any session the request already
 * carried is ended first: a token planted before login must never become a signed-in one.
 */
export async function signInAndRedirect(context: AppLoadContext, userId: string, redirectTo: unknown): Promise<Response> {
  if (context.auth) await invalidateSession(context.auth.session);
  const { token, session } = await createSession(userId);
  return redirect(safeRedirectPath(redirectTo), {
    // Max-Age counted from the session's own start, so cookie and row expire together.
    headers: { "Set-Cookie": serializeSessionCookie(context.sessionCookie, token, session.expiresAt, session.lastSeenAt) },
  });
}

export async function signOutAndRedirect(context: AppLoadContext, to = "/"): Promise<Response> {
  if (context.auth) await invalidateSession(context.auth.session);
  return redirect(to, { headers: { "Set-Cookie": serializeBlankSessionCookie(context.sessionCookie) } });
}

/** The log-in and sign-up pages are for visitors; someone signed in goes where they were headed. */
export function redirectIfSignedIn(request: Request, context: AppLoadContext): void {
  if (context.auth) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo")));
}

/**
 * The 429 for one attempt too many: the form comes back (passwords emptied) with how long to
 * wait, and Retry-After says the same to software.
 */
export function tooManyAttempts(
  submission: { reply(options: { formErrors: string[]; hideFields: string[] }): SubmissionResult<string[]> },
  verdict: Extract<RateLimitVerdict, { allowed: false }>,
) {
  const seconds = verdict.retryAfterSeconds;
  const wait = seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  const message = `Too many attempts. For your account's safety, wait ${wait} and try again.`;
  return data(
    { result: submission.reply({ formErrors: [message], hideFields: ["password"] }) },
    { status: 429, headers: { "Retry-After": String(seconds) } },
  );
}

/** The account-name key for rate limits, from the raw field: counted even when the form is invalid. */
export function rateLimitAccountKey(value: FormDataEntryValue | null): string {
  return typeof value === "string" ? value.trim().toLowerCase().slice(0, 254) : "";
}
