import type { Role } from "./account-forms";

/** Who may do what, as pure functions the guards and the pages share. */

export function hasRole(user: { role: Role } | null | undefined, ...roles: Role[]): boolean {
  return user != null && roles.includes(user.role);
}

/** Authors edit their own articles and baselines; admins edit any. */
export function canEditArticle(user: { id: string; role: Role } | null | undefined, article: { authorId: string }): boolean {
  if (!user) return false;
  return user.role === "admin" || (user.role === "author" && user.id === article.authorId);
}

export function canManageUsers(user: { role: Role } | null | undefined): boolean {
  return hasRole(user, "admin");
}
