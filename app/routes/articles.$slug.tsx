import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getUser } from "~/auth/guards.server";
import { ForecastPanel, panelCrowdOf, type ForecastPanelProps } from "~/components/ForecastPanel";
import { LiveBar } from "~/components/LiveIndicator";
import { BaselineBar } from "~/components/BaselineBar";
import { ClaimList } from "~/components/ClaimList";
import { DateText } from "~/components/DateText";
import { headersFromLoader, publicPageHeaders } from "~/http-cache";
import { Paragraphs } from "~/components/Paragraphs";
import { ScenarioCard } from "~/components/ScenarioCard";
import { toDisplayPercentages } from "~/domain/display-percentages";
import { getPublishedArticle } from "~/models/article.server";
import { countCommentsOf } from "~/models/comment.server";
import { forecastPanelPropsOf, loadQuestionViews } from "~/question-view.server";
import { useQuestionLive, type LiveInitial } from "~/realtime/use-question-live";

export const headers = headersFromLoader;

export async function loader({ params, context }: LoaderFunctionArgs) {
  const article = await getPublishedArticle(params.slug ?? "");
  if (!article) throw new Response("No such article", { status: 404 });
  const user = getUser(context);
  const questionIds = article.questions.map((question) => question.id);
  const [views, commentCounts] = await Promise.all([loadQuestionViews(questionIds, user), countCommentsOf(questionIds)]);
  const panels = Object.fromEntries([...views].map(([id, view]) => [id, forecastPanelPropsOf(view, user !== null)]));
  // Where the page's live figures start from; the socket only ever moves them forward.
  const live = Object.fromEntries(
    [...views].map(([id, { crowd }]): [string, LiveInitial] => [id, { version: crowd.version, aggregate: crowd.visible ? crowd.aggregate : null }]),
  );
  return data({ article, panels, live, commentCounts }, { headers: publicPageHeaders(context) });
}

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [{ title: `${data.article.title} — Crowdline` }, { name: "description", content: data.article.dek }]
    : [{ title: "Article not found — Crowdline" }];

export default function ArticlePage() {
  const { article, panels, live, commentCounts } = useLoaderData<typeof loader>();
  const scenarioQuestions = article.questions.filter((question) => question.kind === "scenarios");
  const claims = article.questions.filter((question) => question.kind === "binary");

  return (
    <article className="mx-auto max-w-3xl px-5 py-10 sm:py-14">
      <header>
        <p className="text-sm font-semibold uppercase tracking-wider text-accent-600 dark:text-accent-400">Analysis</p>
        <h1 className="mt-2 font-serif text-3xl font-bold leading-tight tracking-tight sm:text-5xl">{article.title}</h1>
        <p className="mt-4 font-serif text-xl leading-relaxed text-stone-600 dark:text-stone-300">{article.dek}</p>
        <p className="mt-5 text-sm text-stone-500 dark:text-stone-400">
          By {article.authorName}
          {article.publishedAt && (
            <>
              {" · "}
              <DateText date={article.publishedAt} />
            </>
          )}
        </p>
      </header>

      <section aria-labelledby="summary-heading" className="mt-10 rounded-xl bg-accent-50 p-6 dark:bg-stone-900">
        <h2 id="summary-heading" className="text-sm font-semibold uppercase tracking-wider text-accent-700 dark:text-accent-300">
          In brief
        </h2>
        <div className="prose prose-stone mt-3 max-w-none font-serif text-lg dark:prose-invert">
          <Paragraphs text={article.summary} />
        </div>
      </section>

      {scenarioQuestions.map((question) => {
        const baselineKnown = question.scenarios.every((scenario) => scenario.baseline !== null);
        const percentages = baselineKnown
          ? toDisplayPercentages(question.scenarios.map((scenario) => scenario.baseline ?? 0))
          : null;
        return (
          <section key={question.id} aria-labelledby={`question-${question.id}`} className="mt-14">
            <h2 id={`question-${question.id}`} className="font-serif text-2xl font-bold sm:text-3xl">
              {question.title}
            </h2>
            <p className="mt-3 text-stone-600 dark:text-stone-300">{question.description}</p>
            {baselineKnown && (
              <div className="mt-6">
                <BaselineBar
                  scenarios={question.scenarios.map((scenario) => ({ id: scenario.id, title: scenario.title, baseline: scenario.baseline ?? 0 }))}
                />
                {question.baselineNote && (
                  <p className="mt-3 text-sm text-stone-500 dark:text-stone-400">
                    Author’s baseline
                    {question.baselineRevisedAt && (
                      <>
                        {" "}
                        as of <DateText date={question.baselineRevisedAt} />
                      </>
                    )}
                    : {question.baselineNote}
                  </p>
                )}
              </div>
            )}
            {panels[question.id] && (
              <div className="mt-8">
                <LiveForecastPanel panel={panels[question.id]!} initial={live[question.id] ?? { version: 0, aggregate: null }} />
                <p className="mt-3 text-sm">
                  <Link to={`/questions/${question.id}`} className="font-medium text-accent-700 underline dark:text-accent-300">
                    How the forecast moved, and your history →
                  </Link>
                  {" · "}
                  <Link to={`/questions/${question.id}#discussion`} className="text-stone-600 underline dark:text-stone-300">
                    {commentCounts[question.id] === 1 ? "1 comment" : `${commentCounts[question.id] ?? 0} comments`}
                  </Link>
                </p>
              </div>
            )}
            <div className="mt-8 grid gap-6">
              {question.scenarios.map((scenario, index) => (
                <ScenarioCard key={scenario.id} scenario={scenario} position={index} percentage={percentages?.[index] ?? null} />
              ))}
            </div>
          </section>
        );
      })}

      {claims.length > 0 && <ClaimList claims={claims} crowds={panels} live={live} />}

      <section aria-labelledby="analysis-heading" className="mt-14">
        <h2 id="analysis-heading" className="font-serif text-2xl font-bold sm:text-3xl">
          The analysis
        </h2>
        <div className="prose prose-stone prose-lg mt-4 max-w-none font-serif dark:prose-invert">
          <Paragraphs text={article.body} />
        </div>
      </section>
    </article>
  );
}

type PanelProps = Omit<ForecastPanelProps, "headingLevel" | "crowdControls" | "onCrowdSeen">;

function LiveForecastPanel({ panel, initial }: { panel: PanelProps; initial: LiveInitial }) {
  const hidden = panel.crowdHiddenNote !== null;
  const live = useQuestionLive(panel.question.id, initial, { hidden });
  return (
    <>
      <LiveBar live={live} />
      <ForecastPanel {...panel} crowd={hidden ? null : panelCrowdOf(live.aggregate)} onCrowdSeen={live.markSeen} headingLevel={3} />
    </>
  );
}
