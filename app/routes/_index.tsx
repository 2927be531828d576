import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DateText } from "~/components/DateText";
import { headersFromLoader, publicPageHeaders } from "~/http-cache";
import { listPublishedArticles } from "~/models/article.server";

export const meta: MetaFunction = () => [{ title: "Crowdline — forecast the scenarios" }];

export const headers = headersFromLoader;

export async function loader({ context }: LoaderFunctionArgs) {
  return data({ articles: await listPublishedArticles() }, { headers: publicPageHeaders(context) });
}

export default function Index() {
  const { articles } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-5xl px-5 py-10 sm:py-14">
      <h1 className="font-serif text-3xl font-bold tracking-tight sm:text-4xl">Analyses open for forecasting</h1>
      <p className="mt-3 max-w-2xl text-lg text-stone-600 dark:text-stone-300">
        Each analysis sets out scenarios with the author’s probabilities. Read it, give your own, and see where the crowd
        lands.
      </p>
      {articles.length === 0 ? (
        <p className="mt-10 rounded-lg border border-dashed border-stone-300 p-8 text-center text-stone-600 dark:border-stone-700 dark:text-stone-300">
          No analyses are published yet. Run <code className="font-mono">npm run db:seed</code> to add the first one.
        </p>
      ) : (
        <ul className="mt-10 grid gap-6">
          {articles.map((article) => (
            <li key={article.slug}>
              <Link
                to={`/articles/${article.slug}`}
                className="group block rounded-xl border border-stone-200 bg-white p-6 shadow-sm transition hover:border-accent-300 hover:shadow-md dark:border-stone-800 dark:bg-stone-900 dark:hover:border-accent-700"
              >
                <h2 className="font-serif text-2xl font-bold group-hover:text-accent-700 dark:group-hover:text-accent-300">
                  {article.title}
                </h2>
                <p className="mt-2 text-stone-600 dark:text-stone-300">{article.dek}</p>
                <p className="mt-4 text-sm text-stone-500 dark:text-stone-400">
                  {article.authorName}
                  {article.publishedAt && (
                    <>
                      {" · "}
                      <DateText date={article.publishedAt} />
                    </>
                  )}
                  {" · "}
                  {article.questionCount} {article.questionCount === 1 ? "question" : "questions"}
                </p>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
