import { describe, expect, it } from "vitest";
import type { Role } from "./account-forms";
import { canEditArticle, canManageUsers, hasRole } from "./permissions";

const user = (id: string, role: Role) => ({ id, role });
const article = { authorId: "author-1" };

describe("canEditArticle", () => {
  it("lets an author edit their own article only", () => {
    expect(canEditArticle(user("author-1", "author"), article)).toBe(true);
    expect(canEditArticle(user("author-2", "author"), article)).toBe(false);
  });
  it("lets an admin edit any article", () => {
    expect(canEditArticle(user("admin-1", "admin"), article)).toBe(true);
  });
  it("never lets a reader edit, not even one named as the article's author", () => {
    expect(canEditArticle(user("reader-1", "reader"), article)).toBe(false);
    expect(canEditArticle(user("author-1", "reader"), article)).toBe(false);
  });
  it("refuses nobody signed in", () => {
    expect(canEditArticle(null, article)).toBe(false);
    expect(canEditArticle(undefined, article)).toBe(false);
  });
});

describe("hasRole and canManageUsers", () => {
  it("match roles exactly", () => {
    expect(hasRole(user("a", "author"), "author", "admin")).toBe(true);
    expect(hasRole(user("a", "reader"), "author", "admin")).toBe(false);
    expect(hasRole(null, "reader")).toBe(false);
    expect(canManageUsers(user("a", "admin"))).toBe(true);
    expect(canManageUsers(user("a", "author"))).toBe(false);
    expect(canManageUsers(null)).toBe(false);
  });
});
