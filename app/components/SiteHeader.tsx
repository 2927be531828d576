import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import type { Role } from "~/auth/account-forms";
import { hasRole } from "~/auth/permissions";

export interface HeaderUser {
  username: string;
  displayName: string | null;
  role: Role;
}

const navLinkClass = ({ isActive }: { isActive: boolean }) =>
  `rounded px-2 py-1 text-sm font-medium ${isActive ? "text-stone-900 dark:text-white" : "text-stone-600 hover:text-stone-900 dark:text-stone-300 dark:hover:text-white"}`;

export function SiteHeader({ user }: { user: HeaderUser | null }) {
  const location = useLocation();
  // Back to this page after logging in, except from the account pages themselves.
  const here = `${location.pathname}${location.search}`;
  const onAuthPage = location.pathname === "/login" || location.pathname === "/signup";
  const returnQuery = onAuthPage || here === "/" ? "" : `?${new URLSearchParams({ redirectTo: here })}`;

  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur dark:border-stone-800 dark:bg-stone-900/80">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-5 py-3">
        <Link to="/" className="font-serif text-xl font-bold tracking-tight">
          Crowd<span className="text-accent-600 dark:text-accent-400">line</span>
        </Link>
        <nav aria-label="Main" className="flex flex-wrap items-center gap-1 sm:gap-2">
          <NavLink to="/" end className={navLinkClass}>
            Articles
          </NavLink>
          {hasRole(user, "author", "admin") && (
            <NavLink to="/author" className={navLinkClass}>
              Author
            </NavLink>
          )}
          {user?.role === "admin" && (
            <NavLink to="/admin/users" className={navLinkClass}>
              Users
            </NavLink>
          )}
          {user ? (
            <>
              <NavLink to="/settings" className={navLinkClass} title="Your account settings">
                <span className="sr-only">Signed in as </span>
                {user.displayName || user.username}
              </NavLink>
              <Form method="post" action="/logout">
                <button
                  type="submit"
                  className="rounded px-2 py-1 text-sm font-medium text-stone-600 hover:text-stone-900 dark:text-stone-300 dark:hover:text-white"
                >
                  Log out
                </button>
              </Form>
            </>
          ) : (
            <>
              <NavLink to={`/login${returnQuery}`} className={navLinkClass}>
                Log in
              </NavLink>
              <Link
                to={`/signup${returnQuery}`}
                className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-700"
              >
                Sign up
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
