import { Link, useLocation } from "@remix-run/react";
import { useCallback, useMemo } from "react";
import { COMMENT_SORTS, type CommentSort } from "~/domain/comment";
import { visibleThreads } from "~/domain/discussion-state";
import { recordCommentRead } from "~/comment-readings.client";
import type { Discussion as DiscussionModel } from "~/realtime/use-discussion";
import { CommentForm, type CommentFormScenario } from "./CommentForm";
import { CommentItem, type CommentItemContext } from "./CommentItem";

const SORT_LABELS: Record<CommentSort, string> = { newest: "Newest", oldest: "Oldest", top: "Top" };

/**
 * The discussion under a question: the comment box, the sort and scenario filter (plain links,
 * so they work before the scripts load), the threads, the "N new comments" bar and "Show more".
 */
export function Discussion({
  discussion,
  questionId,
  kind,
  scenarios,
  signedIn,
  canModerate,
  showForecasts,
}: {
  discussion: DiscussionModel;
  questionId: string;
  kind: "scenarios" | "binary";
  scenarios: readonly CommentFormScenario[];
  signedIn: boolean;
  canModerate: boolean;
  showForecasts: boolean;
}) {
  const { state } = discussion;
  const location = useLocation();
  const threads = useMemo(() => visibleThreads(state), [state]);
  const onRead = useCallback((commentId: string) => recordCommentRead(questionId, commentId, Date.now()), [questionId]);
  const loginHref = `/login?${new URLSearchParams({ redirectTo: `${location.pathname}${location.search}#discussion` })}`;
  const context: CommentItemContext = useMemo(
    () => ({ questionId, kind, scenarios, signedIn, canModerate, showForecasts, loginHref, onOwn: discussion.own, onVoted: discussion.voted, onRead }),
    [questionId, kind, scenarios, signedIn, canModerate, showForecasts, loginHref, discussion.own, discussion.voted, onRead],
  );
  const linkTo = (changes: Record<string, string | null>) => {
    const params = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) params.delete(key);
      else params.set(key, value);
    }
    const query = params.toString();
    return `${location.pathname}${query ? `?${query}` : ""}#discussion`;
  };
  const pending = state.pending.length;
  const filteredScenario = scenarios.find((scenario) => scenario.id === state.scenarioId);

  return (
    <section id="discussion" aria-labelledby="discussion-heading" className="mt-12 scroll-mt-6">
      <h2 id="discussion-heading" className="font-serif text-2xl font-bold">
        Discussion <span className="text-base font-normal text-stone-500">({state.total})</span>
      </h2>
      <p className="mt-1 text-sm text-stone-600 dark:text-stone-300">Share your take: say which scenario you argue about, and why.</p>

      <div className="mt-4">
        {signedIn ? (
          <CommentForm questionId={questionId} scenarios={kind === "scenarios" ? scenarios : []} onDone={discussion.own} />
        ) : (
          <p className="rounded-lg border border-dashed border-stone-300 px-4 py-3 text-sm dark:border-stone-700">
            <Link to={loginHref} className="font-medium underline">
              Log in
            </Link>{" "}
            or{" "}
            <Link to={`/signup?${new URLSearchParams({ redirectTo: `${location.pathname}#discussion` })}`} className="font-medium underline">
              sign up
            </Link>{" "}
            to join the discussion.
          </p>
        )}
      </div>

      <div className="mt-6 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <nav aria-label="Sort comments" className="flex gap-1">
          {COMMENT_SORTS.map((sort) => (
            <Link
              key={sort}
              to={linkTo({ sort: sort === "newest" ? null : sort })}
              preventScrollReset
              replace
              aria-current={state.sort === sort ? "true" : undefined}
              className="rounded-full border border-stone-300 px-2.5 py-0.5 aria-[current=true]:border-accent-600 aria-[current=true]:bg-accent-600 aria-[current=true]:text-white dark:border-stone-700"
            >
              {SORT_LABELS[sort]}
            </Link>
          ))}
        </nav>
        {kind === "scenarios" && (
          <nav aria-label="Filter comments by scenario" className="flex flex-wrap gap-1">
            <Link to={linkTo({ scenario: null })} preventScrollReset replace aria-current={state.scenarioId === null ? "true" : undefined} className="rounded-full border border-stone-300 px-2.5 py-0.5 aria-[current=true]:border-stone-800 aria-[current=true]:bg-stone-800 aria-[current=true]:text-white dark:border-stone-700">
              All scenarios
            </Link>
            {scenarios.map((scenario) => (
              <Link
                key={scenario.id}
                to={linkTo({ scenario: scenario.id })}
                preventScrollReset
                replace
                aria-current={state.scenarioId === scenario.id ? "true" : undefined}
                className="rounded-full border border-stone-300 px-2.5 py-0.5 aria-[current=true]:border-stone-800 aria-[current=true]:bg-stone-800 aria-[current=true]:text-white dark:border-stone-700"
              >
                {scenario.title}
              </Link>
            ))}
          </nav>
        )}
      </div>

      <div className="sticky top-2 z-10 mt-3 flex justify-center" aria-live="polite">
        {pending > 0 && (
          <button type="button" onClick={discussion.reveal} className="rounded-full bg-accent-600 px-4 py-1.5 text-sm font-semibold text-white shadow-md hover:bg-accent-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2">
            {pending === 1 ? "1 new comment" : `${pending} new comments`}
          </button>
        )}
      </div>

      {threads.length === 0 ? (
        <p className="mt-4 text-stone-500 dark:text-stone-400">
          {filteredScenario ? `No comments about “${filteredScenario.title}” yet.` : "No comments yet. Be the first to say where you stand, and why."}
        </p>
      ) : (
        <ol className="mt-4 space-y-3" aria-label="Comments">
          {threads.map(({ comment, shownDepth, replyingTo }) => {
            const parent = replyingTo ? state.comments[replyingTo] : undefined;
            return (
              <li key={comment.id}>
                <CommentItem
                  comment={comment}
                  html={state.html[comment.id]}
                  shownDepth={shownDepth}
                  replyingTo={replyingTo}
                  parentAuthor={parent ? (parent.author.deleted ? "[deleted account]" : `@${parent.author.username}`) : null}
                  context={context}
                />
              </li>
            );
          })}
        </ol>
      )}

      {state.nextCursor && (
        <div className="mt-4 flex items-center gap-3">
          <button type="button" onClick={() => void discussion.loadMore()} disabled={discussion.loadingMore} className="rounded-md border border-stone-300 px-4 py-2 text-sm font-medium hover:bg-stone-50 disabled:opacity-60 dark:border-stone-700 dark:hover:bg-stone-900">
            {discussion.loadingMore ? "Loading…" : "Show more comments"}
          </button>
          {discussion.loadMoreFailed && (
            <span role="alert" className="text-sm text-red-700 dark:text-red-400">
              Could not load more comments; check your connection and try again.
            </span>
          )}
        </div>
      )}
    </section>
  );
}
