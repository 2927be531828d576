import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/auth/guards.server";
import { StatusBadge } from "~/components/AuthoringFields";
import { DateText } from "~/components/DateText";
import { headersFromLoader } from "~/http-cache";
import { listArticlesForAuthor } from "~/models/authoring.server";

export const meta: MetaFunction = () => [{ title: "Your articles — Crowdline" }];

export const headers = headersFromLoader;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requireRole(request, context, "author", "admin");
  const articles = await listArticlesForAuthor(user);
  // Drafts are nobody else's business: no cache of any kind keeps these pages.
  return data({ articles, isAdmin: user.role === "admin" }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function AuthorHome() {
  const { articles, isAdmin } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-3xl space-y-8 px-5 py-10 sm:py-14">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="font-serif text-3xl font-bold tracking-tight">{isAdmin ? "All articles" : "Your articles"}</h1>
          <p className="mt-2 text-stone-600 dark:text-stone-300">
            Drafts are visible only to their author and the admins until they are published.
          </p>
        </div>
        <Link
          to="/author/articles/new"
          className="inline-flex items-center justify-center rounded-md bg-accent-600 px-4 py-2 font-medium text-white hover:bg-accent-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2"
        >
          New article
        </Link>
      </header>

      {articles.length === 0 ? (
        <p className="rounded-lg border border-dashed border-stone-300 p-8 text-center text-stone-600 dark:border-stone-700 dark:text-stone-300">
          You have no articles yet. Start one with “New article”: it stays a draft until you publish it, and you can add
          its questions and baselines first.
        </p>
      ) : (
        <ul className="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white shadow-sm dark:divide-stone-800 dark:border-stone-800 dark:bg-stone-900">
          {articles.map((article) => (
            <li key={article.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 p-4 sm:px-6">
              <div className="min-w-0">
                <Link to={`/author/articles/${article.id}`} className="font-medium text-stone-900 hover:text-accent-700 hover:underline dark:text-white dark:hover:text-accent-300">
                  {article.title}
                </Link>
                <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-stone-500 dark:text-stone-400">
                  <StatusBadge published={article.publishedAt !== null} />
                  {article.publishedAt && (
                    <span>
                      since <DateText date={article.publishedAt} />
                    </span>
                  )}
                  <span>
                    · {article.questionCount} {article.questionCount === 1 ? "question" : "questions"}
                  </span>
                  {isAdmin && <span>· by {article.authorName}</span>}
                </p>
              </div>
              <Link
                to={`/author/articles/${article.id}`}
                aria-label={`Edit “${article.title}”`}
                className="rounded-md border border-stone-300 px-3 py-1.5 text-sm font-medium hover:bg-stone-50 dark:border-stone-700 dark:hover:bg-stone-800"
              >
                Edit
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
