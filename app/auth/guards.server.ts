import { redirect, type AppLoadContext } from "@remix-run/node";
import type { SessionUser } from "~/models/session.server";
import type { Role } from "./account-forms";
import { hasRole } from "./permissions";

/**
 * Guards for the top of loaders and actions. The session itself is resolved once per request
 * before Remix runs (server/session-middleware.ts) and arrives in the load context.
 */

export function getUser(context: AppLoadContext): SessionUser | null {
  return context.auth?.user ?? null;
}

/** The signed-in user, or a redirect to the login page that comes back here afterwards. */
export function requireUser(request: Request, context: AppLoadContext): SessionUser {
  const user = getUser(context);
  if (user) return user;
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  throw redirect(`/login?${new URLSearchParams({ redirectTo: back })}`);
}

export function requireRole(request: Request, context: AppLoadContext, ...roles: Role[]): SessionUser {
  const user = requireUser(request, context);
  if (!hasRole(user, ...roles)) {
    throw new Response("Your account is not allowed to do this.", { status: 403, statusText: "Forbidden" });
  }
  return user;
}
