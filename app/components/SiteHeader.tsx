import { Link, NavLink } from "@remix-run/react";

export function SiteHeader() {
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur dark:border-stone-800 dark:bg-stone-900/80">
      <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-5 py-3">
        <Link to="/" className="font-serif text-xl font-bold tracking-tight">
          Crowd<span className="text-accent-600 dark:text-accent-400">line</span>
        </Link>
        <nav aria-label="Main">
          <NavLink
            to="/"
            end
            className={({ isActive }) =>
              `rounded px-2 py-1 text-sm font-medium ${isActive ? "text-stone-900 dark:text-white" : "text-stone-600 hover:text-stone-900 dark:text-stone-300 dark:hover:text-white"}`
            }
          >
            Articles
          </NavLink>
        </nav>
      </div>
    </header>
  );
}
