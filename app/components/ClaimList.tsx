import { Link } from "@remix-run/react";
import type { ArticleQuestion } from "~/models/article.server";
import { useQuestionLive, type LiveInitial } from "~/realtime/use-question-live";
import { DateText } from "./DateText";
import { panelCrowdOf, type ForecastPanelProps } from "./ForecastPanel";
import { LiveIndicator, highlightClass, useChangeHighlight } from "./LiveIndicator";

type ClaimCrowdProps = Pick<ForecastPanelProps, "crowd" | "crowdHiddenNote">;

/** The article's dated claims, each a yes/no question with the author's implied view and the crowd's. */
export function ClaimList({
  claims,
  crowds,
  live,
}: {
  claims: ArticleQuestion[];
  crowds: Record<string, ClaimCrowdProps>;
  /** Each claim's server-rendered version, from which its crowd follows the socket. */
  live: Record<string, LiveInitial>;
}) {
  return (
    <section aria-labelledby="claims-heading" className="mt-14">
      <h2 id="claims-heading" className="font-serif text-2xl font-bold sm:text-3xl">
        Dated claims
      </h2>
      <p className="mt-3 text-stone-600 dark:text-stone-300">
        Checkable predictions the analysis makes along the way, each a yes-or-no question.
      </p>
      <ul className="mt-6 grid gap-4">
        {claims.map((claim) => {
          const impliedYes = claim.scenarios[0]?.baseline ?? null;
          return (
            <li
              key={claim.id}
              data-testid="claim"
              className="rounded-xl border border-stone-200 bg-white p-5 dark:border-stone-800 dark:bg-stone-900"
            >
              <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                <div>
                  <h3 className="font-serif text-lg font-bold">{claim.title}</h3>
                  <p className="mt-1 text-[0.95rem] leading-relaxed text-stone-600 dark:text-stone-300">{claim.description}</p>
                  {claim.resolvesAt && (
                    <p className="mt-2 text-sm text-stone-500 dark:text-stone-400">
                      Resolves <DateText date={claim.resolvesAt} />
                    </p>
                  )}
                </div>
                <div className="shrink-0 sm:text-right">
                  {impliedYes === null ? (
                    <p className="text-sm text-stone-500 dark:text-stone-400">No implied view in the article</p>
                  ) : (
                    <>
                      <p className="font-serif text-2xl font-bold tabular-nums">{Math.round(impliedYes * 100)} % yes</p>
                      <p className="text-xs text-stone-500 dark:text-stone-400">author’s implied view</p>
                    </>
                  )}
                  {crowds[claim.id] && <ClaimCrowd questionId={claim.id} crowd={crowds[claim.id]!} initial={live[claim.id] ?? { version: 0, aggregate: null }} />}
                  <Link to={`/questions/${claim.id}`} className="mt-2 inline-block text-sm font-medium text-accent-700 underline dark:text-accent-300">
                    Forecast this claim
                  </Link>
                </div>
              </div>
              {claim.baselineNote && impliedYes !== null && (
                <p className="mt-3 border-t border-stone-100 pt-3 text-sm text-stone-500 dark:border-stone-800 dark:text-stone-400">
                  {claim.baselineNote}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function ClaimCrowd({ questionId, crowd: loaded, initial }: { questionId: string; crowd: ClaimCrowdProps; initial: LiveInitial }) {
  const hidden = loaded.crowdHiddenNote !== null;
  const live = useQuestionLive(questionId, initial, { hidden });
  const crowd = panelCrowdOf(live.aggregate);
  const yes = crowd ? `${Math.round((crowd.centers[0] ?? 0) * 100)} % yes` : "";
  const highlighted = useChangeHighlight(yes);
  if (hidden) return null;
  // The dot alone: a word beside every claim would be noise; screen readers still hear it.
  const indicator = <LiveIndicator status={live.status} compact />;
  if (!crowd) {
    return (
      <p className="mt-2 flex items-center gap-1.5 text-xs text-stone-500 dark:text-stone-400 sm:justify-end">
        No crowd forecasts yet {indicator}
      </p>
    );
  }
  return (
    <p className="mt-2 flex items-center gap-1.5 text-sm tabular-nums sm:justify-end" data-testid="claim-crowd">
      <span>
        Crowd <strong className={`rounded px-0.5 ${highlightClass(highlighted)}`}>{yes}</strong>{" "}
        <span className="text-stone-500 dark:text-stone-400">({crowd.count.toLocaleString("en")} {crowd.count === 1 ? "forecaster" : "forecasters"})</span>
      </span>
      {indicator}
    </p>
  );
}
