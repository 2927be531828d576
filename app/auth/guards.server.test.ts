import type { AppLoadContext } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import type { SessionUser } from "~/models/session.server";
import type { Role } from "./account-forms";
import { getUser, requireRole, requireUser } from "./guards.server";

function userWith(role: Role): SessionUser {
  return { id: `user-${role}`, username: role, email: `${role}@example.com`, displayName: null, role, hideCrowdUntilForecast: false };
}

function contextFor(user: SessionUser | null): AppLoadContext {
  const auth = user
    ? { user, session: { id: "s".repeat(64), userId: user.id, expiresAt: new Date(), absoluteExpiresAt: new Date(), lastSeenAt: new Date() } }
    : null;
  return { auth } as unknown as AppLoadContext;
}

/** What a guard threw; fails the test if it returned instead. */
function thrownBy(guard: () => unknown): Response {
  try {
    guard();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(Response);
    return thrown as Response;
  }
  throw new Error("expected the guard to throw");
}

const request = new Request("http://localhost:3000/articles/open-vs-closed-ai-2026/edit?tab=baseline&x=a%26b");

describe("requireUser", () => {
  it("redirects a visitor to the login page, coming back to the same path and query", () => {
    const response = thrownBy(() => requireUser(request, contextFor(null)));
    expect(response.status).toBe(302);
    const location = response.headers.get("Location") ?? "";
    expect(location.startsWith("/login?redirectTo=")).toBe(true);
    const target = new URL(location, "http://localhost:3000");
    expect(target.pathname).toBe("/login");
    expect(target.searchParams.get("redirectTo")).toBe("/articles/open-vs-closed-ai-2026/edit?tab=baseline&x=a%26b");
    expect([...target.searchParams.keys()]).toEqual(["redirectTo"]);
  });

  it("returns the signed-in user", () => {
    const reader = userWith("reader");
    expect(requireUser(request, contextFor(reader))).toBe(reader);
    expect(getUser(contextFor(reader))).toBe(reader);
    expect(getUser(contextFor(null))).toBeNull();
  });
});

describe("requireRole", () => {
  it("answers 403 to a reader asking for an admin page", () => {
    const response = thrownBy(() => requireRole(request, contextFor(userWith("reader")), "admin"));
    expect(response.status).toBe(403);
  });

  it("answers 403 to an author asking for an admin-only page", () => {
    expect(thrownBy(() => requireRole(request, contextFor(userWith("author")), "admin")).status).toBe(403);
  });

  it("sends a visitor to log in first", () => {
    expect(thrownBy(() => requireRole(request, contextFor(null), "admin")).status).toBe(302);
  });

  it("returns a user who has one of the roles", () => {
    const admin = userWith("admin");
    expect(requireRole(request, contextFor(admin), "admin")).toBe(admin);
    const author = userWith("author");
    expect(requireRole(request, contextFor(author), "author", "admin")).toBe(author);
  });
});
