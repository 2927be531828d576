import { redirect, type AppLoadContext } from "@remix-run/node";
import { safeRedirectPath } from "./redirect-target";
import { createSession, invalidateSession, serializeBlankSessionCookie, serializeSessionCookie } from "./session.server";

/**
 * Starts a fresh session for `userId` and sends the browser on. Any session the request already
 * carried is ended first: a token planted before login must never become a signed-in one.
 */
export async function signInAndRedirect(context: AppLoadContext, userId: string, redirectTo: unknown): Promise<Response> {
  if (context.auth) await invalidateSession(context.auth.session.id);
  const { token, session } = await createSession(userId);
  return redirect(safeRedirectPath(redirectTo), {
    headers: { "Set-Cookie": serializeSessionCookie(context.sessionCookie, token, session.expiresAt) },
  });
}

export async function signOutAndRedirect(context: AppLoadContext, to = "/"): Promise<Response> {
  if (context.auth) await invalidateSession(context.auth.session.id);
  return redirect(to, { headers: { "Set-Cookie": serializeBlankSessionCookie(context.sessionCookie) } });
}

export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const wait = retryAfterSeconds < 120 ? `${retryAfterSeconds} seconds` : `${Math.ceil(retryAfterSeconds / 60)} minutes`;
  return `Too many attempts. For your account's safety, wait ${wait} and try again.`;
}

/** The account-name key for rate limits, from the raw field: counted even when the form is invalid. */
export function rateLimitAccountKey(value: FormDataEntryValue | null): string {
  return typeof value === "string" ? value.trim().toLowerCase().slice(0, 254) : "";
}
