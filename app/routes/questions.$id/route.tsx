import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, type ShouldRevalidateFunction } from "@remix-run/react";
import { ChangedMindPrompt } from "~/components/ChangedMindPrompt";
import { Discussion } from "~/components/Discussion";
import { loadDiscussionPage, parseDiscussionQuery } from "~/discussion-view.server";
import { getQuestionAuthorId } from "~/models/question.server";
import { useDiscussion } from "~/realtime/use-discussion";
import { useEffect, useMemo, useRef, useState } from "react";
import { ConsensusChart } from "~/components/ConsensusChart";
import { DateText } from "~/components/DateText";
import { ForecastPanel, panelCrowdOf } from "~/components/ForecastPanel";
import { LiveBar } from "~/components/LiveIndicator";
import type { CrowdSnapshot } from "~/domain/consensus-series";
import { packChartHistory, unpackChartHistory } from "~/domain/chart-history";
import { toDisplayPercentages } from "~/domain/display-percentages";
import { AGGREGATION_METHODS, type AggregationMethod } from "~/domain/aggregation";
import type { Aggregate } from "~/realtime/contract";
import { useQuestionLive } from "~/realtime/use-question-live";
import { getUser, requireUser } from "~/auth/guards.server";
import { headersFromActionAndLoader, publicPageHeaders } from "~/http-cache";
import { forecastPanelPropsOf, loadQuestionView, parseAggregationMethod } from "~/question-view.server";
import { readFormData } from "~/forms/read-form-data.server";
import { isCommentIntent, withoutOthersMarkdown } from "~/domain/comment";
import { handleCommentAction } from "./comment-intents.server";
import { handleForecastAction } from "./intents.server";

// Action headers too: Retry-After on a 429 (comment limit) or 503 must reach the fetcher.
export const headers = headersFromActionAndLoader;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = getUser(context);
  const url = new URL(request.url);
  const method = url.searchParams.has("method") ? parseAggregationMethod(url.searchParams.get("method")) : undefined;
  const view = await loadQuestionView(params.id ?? "", user, { method });
  if (!view) throw new Response("No such question", { status: 404, statusText: "Not Found" });
  const query = parseDiscussionQuery(url.searchParams, view.question.scenarios.map((scenario) => scenario.id));
  const [discussion, authorId] = await Promise.all([
    loadDiscussionPage(view.question.id, { ...query, after: null }, { viewer: user, showForecasts: view.crowd.visible, shareRows: true }),
    user?.role === "author" ? getQuestionAuthorId(view.question.id) : Promise.resolve(null),
  ]);
  const canModerate = user !== null && (user.role === "admin" || (user.role === "author" && authorId === user.id));
  // The history goes to the chart packed, not as the view's point objects (most of the loader data).
  const { crowd } = view;
  const chartHistory = crowd.visible ? packChartHistory(crowd.history) : null;
  const shipped = { ...view, crowd: crowd.visible ? { ...crowd, history: [] } : crowd };
  return data(
    { view: shipped, chartHistory, panel: forecastPanelPropsOf(view, user !== null), discussion: withoutOthersMarkdown(discussion), canModerate, now: new Date().toISOString() },
    { headers: publicPageHeaders(context) },
  );
}

export async function action(args: ActionFunctionArgs) {
  // Anonymous posts go to the login page before their body is read.
  requireUser(args.request, args.context);
  const formData = await readFormData(args.request);
  const intent = formData.get("intent");
  return isCommentIntent(intent) ? handleCommentAction(args, formData, intent) : handleForecastAction(args, formData);
}

/**
 * The discussion's own changes answer with the changed comment and reach others over the socket:
 * re-running this loader for them would only reload the figures and the first page of threads.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  isCommentIntent(formData?.get("intent")) ? false : defaultShouldRevalidate;

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [{ title: `${data.view.question.title} — Crowdline` }, { name: "description", content: data.view.question.description }]
    : [{ title: "Question not found — Crowdline" }];

const METHOD_LABELS: Record<AggregationMethod, string> = {
  recency_weighted_median: "Recency-weighted median",
  median: "Median",
  geometric_mean_of_odds: "Geometric mean of odds",
  mean: "Mean",
};

/** Live points a page left open for days keeps; the chart draws at most a few hundred anyway. */
const MAX_LIVE_POINTS = 1_000;

interface LoadedPoint extends CrowdSnapshot {
  version: number;
}

interface LivePoint extends LoadedPoint {
  questionId: string;
}

/**
 * The crowd's history as loaded, plus a point for each newer version the socket brings, so the
 * line moves while the page is open. Points the loader has meanwhile stored (after the reader's
 * own save) are dropped in favour of the stored ones.
 */
function useLiveCrowdHistory(
  questionId: string,
  loaded: LoadedPoint[],
  loadedVersion: number,
  live: { version: number; aggregate: Aggregate | null },
): CrowdSnapshot[] {
  const knownVersion = Math.max(loadedVersion, loaded.at(-1)?.version ?? 0);
  const [livePoints, setLivePoints] = useState<LivePoint[]>([]);
  const { version, aggregate } = live;
  const lastLoadedAt = loaded.at(-1)?.at;
  useEffect(() => {
    if (!aggregate || version <= knownVersion) return;
    setLivePoints((all) => {
      // The page stays mounted when the reader follows a link to another question.
      const points = all[0]?.questionId === questionId ? all : [];
      const last = points.at(-1);
      if (last && last.version >= version) return points;
      // The browser's clock, kept after the newest point so that a clock running slow cannot
      // draw the step before what it follows. (The messages carry no time of their own.)
      const after = Math.max(Date.parse(last?.at ?? "") || 0, Date.parse(lastLoadedAt ?? "") || 0);
      const at = new Date(Math.max(Date.now(), after + 1)).toISOString();
      return [...points.slice(-(MAX_LIVE_POINTS - 1)), { questionId, version, at, centers: aggregate.centers, lower: aggregate.lower, upper: aggregate.upper }];
    });
  }, [questionId, version, aggregate, knownVersion, lastLoadedAt]);
  return useMemo(() => {
    const newer = livePoints.filter((point) => point.questionId === questionId && point.version > knownVersion);
    return newer.length === 0 ? loaded : [...loaded, ...newer];
  }, [questionId, loaded, livePoints, knownVersion]);
}

export default function QuestionPage() {
  const { view, chartHistory, panel, now, discussion: loadedDiscussion, canModerate } = useLoaderData<typeof loader>();
  const { question, baseline, crowd, viewer } = view;
  const discussion = useDiscussion(question.id, loadedDiscussion);
  const loadedAggregate = crowd.visible ? crowd.aggregate : null;
  const live = useQuestionLive(question.id, { version: crowd.version, aggregate: loadedAggregate }, { hidden: !crowd.visible });

  // The socket carries the question's own method; a reader comparing another one gets its figures
  // from the loader, run again once per version the socket announces.
  const liveMatches = crowd.visible && live.aggregate?.method === crowd.method;
  const shownAggregate = liveMatches ? live.aggregate : loadedAggregate;
  const revalidator = useRevalidator();
  const revalidatedFor = useRef({ questionId: question.id, version: crowd.version });
  useEffect(() => {
    const asked = revalidatedFor.current.questionId === question.id ? revalidatedFor.current.version : 0;
    if (!crowd.visible || liveMatches || live.version <= Math.max(crowd.version, asked)) return;
    if (revalidator.state !== "idle") return;
    // Once per version: a shared cache may answer with an older page, which must not loop.
    revalidatedFor.current = { questionId: question.id, version: live.version };
    revalidator.revalidate();
  }, [question.id, crowd.visible, crowd.version, liveMatches, live.version, revalidator]);

  const loadedHistory = useMemo(() => (chartHistory ? unpackChartHistory(chartHistory) : []), [chartHistory]);
  const crowdHistory = useLiveCrowdHistory(question.id, loadedHistory, crowd.version, live);
  const baselineHistory = useMemo(
    () => baseline.revisions.map((revision) => ({ at: revision.at.toISOString(), probabilities: revision.probabilities, note: revision.note })),
    [baseline.revisions],
  );
  const ownHistory = useMemo(
    () => (viewer?.forecasts ?? []).map((forecast) => ({ at: forecast.at.toISOString(), probabilities: forecast.probabilities })),
    [viewer?.forecasts],
  );

  return (
    <div className="mx-auto max-w-3xl px-5 py-10 sm:py-14">
      <nav aria-label="Breadcrumb" className="text-sm text-stone-500 dark:text-stone-400">
        <Link to={`/articles/${question.article.slug}`} className="underline">
          {question.article.title}
        </Link>
      </nav>
      <header className="mt-3">
        <h1 className="font-serif text-3xl font-bold leading-tight sm:text-4xl">{question.title}</h1>
        <p className="mt-3 text-stone-600 dark:text-stone-300">{question.description}</p>
        <p className="mt-3 text-sm text-stone-500 dark:text-stone-400">
          {question.acceptingForecasts ? "Open for forecasts" : "Closed for forecasts"}
          {question.closesAt && (
            <>
              {" · "}
              {question.acceptingForecasts ? "closes" : "closed"} <DateText date={question.closesAt} />
            </>
          )}
          {" · "}
          <a href="#discussion" className="underline">
            {discussion.state.total === 1 ? "1 comment" : `${discussion.state.total} comments`}
          </a>
        </p>
      </header>

      <div className="mt-8">
        <LiveBar live={live} />
        <ForecastPanel
          {...panel}
          crowd={crowd.visible ? panelCrowdOf(shownAggregate) : null}
          crowdControls={crowd.visible ? <MethodSwitch current={crowd.method} /> : null}
          onCrowdSeen={live.markSeen}
        />
        {viewer && <ChangedMindPrompt questionId={question.id} forecasts={viewer.forecasts} comments={discussion.state.comments} html={discussion.state.html} onCredited={discussion.credited} />}
      </div>

      <section aria-labelledby="history-heading" className="mt-12">
        <h2 id="history-heading" className="font-serif text-2xl font-bold">
          How the forecast moved
        </h2>
        <div className="mt-4">
          <ConsensusChart
            scenarios={question.scenarios}
            kind={question.kind}
            crowd={crowdHistory}
            crowdHidden={!crowd.visible}
            baseline={baselineHistory}
            own={ownHistory}
            now={now}
          />
        </div>
        <p className="mt-3 text-sm text-stone-500 dark:text-stone-400">
          Download the history as <a href={`/api/questions/${question.id}/history.csv`} className="underline">CSV</a> or{" "}
          <a href={`/api/questions/${question.id}/history.json`} className="underline">JSON</a>.
        </p>
      </section>

      <Discussion
        discussion={discussion}
        questionId={question.id}
        kind={question.kind}
        scenarios={question.scenarios}
        signedIn={panel.viewer.signedIn}
        canModerate={canModerate}
        showForecasts={crowd.visible}
      />

      {viewer && viewer.forecasts.length > 0 && (
        <section aria-labelledby="own-history-heading" className="mt-12">
          <h2 id="own-history-heading" className="font-serif text-2xl font-bold">
            Your forecasts
          </h2>
          <ol className="mt-4 space-y-3" data-testid="own-history">
            {[...viewer.forecasts].reverse().map((forecast) => (
              <li key={forecast.id} className="rounded-lg border border-stone-200 px-4 py-3 text-sm dark:border-stone-800">
                <p className="font-medium tabular-nums">
                  {toDisplayPercentages(forecast.probabilities)
                    .slice(0, question.kind === "binary" ? 1 : undefined)
                    .map((value) => `${value} %`)
                    .join(" / ")}
                  {forecast.withdrawnAt && <span className="ml-2 font-normal text-stone-500">(withdrawn)</span>}
                </p>
                <p className="text-stone-500 dark:text-stone-400">
                  <DateText date={forecast.at} />
                </p>
                {forecast.rationale && <p className="mt-1 whitespace-pre-line">{forecast.rationale}</p>}
              </li>
            ))}
          </ol>
        </section>
      )}

      <section aria-labelledby="revisions-heading" className="mt-12">
        <h2 id="revisions-heading" className="font-serif text-2xl font-bold">
          The author’s baseline revisions
        </h2>
        {baseline.revisions.length === 0 ? (
          <p className="mt-3 text-stone-500 dark:text-stone-400">The author has not given a baseline for this question.</p>
        ) : (
          <ol className="mt-4 space-y-3" data-testid="baseline-revisions">
            {[...baseline.revisions].reverse().map((revision) => (
              <li key={revision.id} className="rounded-lg border border-stone-200 px-4 py-3 text-sm dark:border-stone-800">
                <p className="font-medium tabular-nums">
                  {toDisplayPercentages(revision.probabilities)
                    .slice(0, question.kind === "binary" ? 1 : undefined)
                    .map((value, index) => `${question.kind === "binary" ? "Yes" : question.scenarios[index]?.title} ${value} %`)
                    .join(" · ")}
                </p>
                <p className="text-stone-500 dark:text-stone-400">
                  <DateText date={revision.at} /> · {revision.authorName}
                </p>
                <p className="mt-1">{revision.note}</p>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function MethodSwitch({ current }: { current: AggregationMethod }) {
  return (
    <nav aria-label="How the crowd is combined" className="flex flex-wrap gap-1">
      {AGGREGATION_METHODS.map((method) => (
        <Link
          key={method}
          to={`?method=${method}`}
          preventScrollReset
          replace
          aria-current={method === current ? "true" : undefined}
          className="rounded-full border border-stone-300 px-2.5 py-0.5 text-xs aria-[current=true]:border-accent-600 aria-[current=true]:bg-accent-600 aria-[current=true]:text-white dark:border-stone-700"
        >
          {METHOD_LABELS[method]}
        </Link>
      ))}
    </nav>
  );
}
