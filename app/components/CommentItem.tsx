import { Link, useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import type { CommentView } from "~/domain/comment";
import { toDisplayPercentages } from "~/domain/display-percentages";
import type { CommentActionData } from "~/routes/questions.$id/comment-intents.server";
import { CommentForm, type CommentFormScenario } from "./CommentForm";

const commentTime = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

export interface CommentItemContext {
  questionId: string;
  kind: "scenarios" | "binary";
  scenarios: readonly CommentFormScenario[];
  signedIn: boolean;
  canModerate: boolean;
  /** Forecast figures may be drawn (the crowd is not hidden from this reader). */
  showForecasts: boolean;
  loginHref: string;
  onOwn(comment: CommentView): void;
  onVoted(commentId: string, score: number, myVote: -1 | 0 | 1): void;
  onRead(commentId: string): void;
}

export function forecastFigures(probabilities: readonly number[], kind: "scenarios" | "binary"): string {
  const percentages = toDisplayPercentages([...probabilities]);
  return kind === "binary" ? `Yes ${percentages[0]} %` : percentages.join(" / ");
}

const authorName = (comment: CommentView) => (comment.author.deleted ? "[deleted account]" : comment.author.displayName || comment.author.username);

/** Counts as read once at least half of it has been on screen for a second and a half. */
function useReadSignal(id: string, onRead: (id: string) => void) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const observer = new IntersectionObserver(
      ([entry]) => {
        if (entry?.isIntersecting) timer ??= setTimeout(() => onRead(id), 1_500);
        else if (timer) {
          clearTimeout(timer);
          timer = null;
        }
      },
      { threshold: 0.5 },
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      if (timer) clearTimeout(timer);
    };
  }, [id, onRead]);
  return ref;
}

export function CommentItem({
  comment,
  html,
  shownDepth,
  replyingTo,
  parentAuthor,
  context,
}: {
  comment: CommentView;
  html: string | undefined;
  shownDepth: number;
  replyingTo: string | null;
  parentAuthor: string | null;
  context: CommentItemContext;
}) {
  const [open, setOpen] = useState<null | "reply" | "edit" | "report" | "hide" | "login">(null);
  const readRef = useReadSignal(comment.id, context.onRead);
  const scenario = context.scenarios.find((candidate) => candidate.id === comment.scenarioId);
  const shown = comment.state === "visible" || comment.body !== null;
  const headingId = useId();
  const moved = comment.currentForecast && comment.forecastAtPosting && comment.currentForecast.some((value, index) => Math.abs(value - (comment.forecastAtPosting![index] ?? 0)) >= 0.005);

  return (
    <article
      ref={readRef}
      id={`comment-${comment.id}`}
      aria-labelledby={headingId}
      data-testid="comment"
      data-comment-id={comment.id}
      className="comment-card"
      style={shownDepth > 0 ? { marginLeft: `${Math.min(shownDepth, 3) * 1.25}rem` } : undefined}
    >
      <header className="comment-head">
        <h3 id={headingId} className="font-semibold">
          {comment.author.deleted ? authorName(comment) : <Link to={`/u/${comment.author.username}`} className="hover:underline">{authorName(comment)}</Link>}
          <span className="sr-only"> wrote</span>
        </h3>
        <a href={`#comment-${comment.id}`} className="comment-time">
          <time dateTime={comment.createdAt}>{commentTime.format(new Date(comment.createdAt))}</time>
        </a>
        {comment.editedAt && comment.state !== "deleted" && <EditedMarker comment={comment} />}
        {scenario && (
          <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${comment.stance === "against" ? "bg-rose-100 text-rose-900 dark:bg-rose-950 dark:text-rose-200" : comment.stance === "for" ? "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : "bg-stone-100 text-stone-800 dark:bg-stone-800 dark:text-stone-200"}`}>
            {comment.stance === "for" ? "For" : comment.stance === "against" ? "Against" : "On"}: {scenario.title}
          </span>
        )}
      </header>
      {replyingTo && (
        <p className="mt-1 text-xs text-stone-500 dark:text-stone-400">
          replying to <a href={`#comment-${replyingTo}`} className="underline">{parentAuthor ?? "a comment"}</a>
        </p>
      )}
      {context.showForecasts && comment.forecastAtPosting && (
        <p className="mt-1 text-xs tabular-nums text-stone-600 dark:text-stone-300" title={context.kind === "scenarios" ? context.scenarios.map((item) => item.title).join(" / ") : undefined}>
          Forecast when posting: {forecastFigures(comment.forecastAtPosting, context.kind)}
          {moved && comment.currentForecast && <> · now {forecastFigures(comment.currentForecast, context.kind)}</>}
        </p>
      )}
      <div className="mt-2">
        {comment.state === "deleted" ? (
          <p className="italic text-stone-500">[deleted]</p>
        ) : comment.state === "hidden" && !shown ? (
          <p className="italic text-stone-500">[hidden by a moderator]</p>
        ) : (
          <>
            {comment.state === "hidden" && (
              <p className="mb-2 rounded bg-amber-50 px-2 py-1 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                Hidden by a moderator{comment.hiddenReason ? `: ${comment.hiddenReason}` : ""}. Only you{comment.mine ? "" : " and the author"} can see this text.
              </p>
            )}
            {open === "edit" ? (
              <CommentForm questionId={context.questionId} editing={comment} focusOnOpen onCancel={() => setOpen(null)} onDone={(updated) => { context.onOwn(updated); setOpen(null); }} />
            ) : html !== undefined ? (
              // Sanitised by app/domain/comment-markdown.ts (rehype-sanitize), on the server or here.
              <div className="comment-text" dangerouslySetInnerHTML={{ __html: html }} />
            ) : (
              <p className="whitespace-pre-wrap break-words text-sm">{comment.body}</p>
            )}
          </>
        )}
      </div>
      {comment.state === "visible" && open !== "edit" && (
        <footer className="comment-foot">
          <VoteButtons comment={comment} context={context} />
          <button type="button" className="comment-action font-medium" aria-expanded={open === "reply" || open === "login"} onClick={() => setOpen(open === "reply" || open === "login" ? null : context.signedIn ? "reply" : "login")}>
            Reply
          </button>
          {comment.mine && (
            <>
              <button type="button" className="comment-action" onClick={() => setOpen("edit")}>
                Edit
              </button>
              <DeleteButton comment={comment} context={context} />
            </>
          )}
          {!comment.mine && context.signedIn && (
            <button type="button" className="comment-action" aria-expanded={open === "report"} onClick={() => setOpen(open === "report" ? null : "report")}>
              Report
            </button>
          )}
          {context.canModerate && !comment.mine && (
            <button type="button" className="comment-action" aria-expanded={open === "hide"} onClick={() => setOpen(open === "hide" ? null : "hide")}>
              Hide
            </button>
          )}
          {comment.movedCount > 0 && (
            <span className="rounded-full bg-accent-50 px-2 py-0.5 text-xs font-medium text-accent-800 dark:bg-accent-950 dark:text-accent-200">
              moved {comment.movedCount} {comment.movedCount === 1 ? "reader" : "readers"}
            </span>
          )}
          {context.canModerate && comment.reportCount > 0 && (
            <span className="text-xs text-amber-800 dark:text-amber-300">reported {comment.reportCount}×</span>
          )}
        </footer>
      )}
      {open === "reply" && (
        <div className="mt-3">
          <CommentForm questionId={context.questionId} parentId={comment.id} focusOnOpen onCancel={() => setOpen(null)} onDone={(reply) => { context.onOwn(reply); setOpen(null); }} />
        </div>
      )}
      {open === "login" && (
        <p className="mt-2 text-sm">
          <Link to={context.loginHref} className="font-medium underline">Log in</Link> to reply.
        </p>
      )}
      {(open === "report" || open === "hide") && (
        <ReasonForm comment={comment} context={context} intent={open === "report" ? "report-comment" : "hide-comment"} onClose={() => setOpen(null)} />
      )}
    </article>
  );
}

function EditedMarker({ comment }: { comment: CommentView }) {
  if (comment.revisions.length === 0) return <span className="text-xs text-stone-500">(edited)</span>;
  return (
    <details className="text-xs text-stone-500">
      <summary className="cursor-pointer">(edited)</summary>
      <ol className="mt-1 space-y-1">
        {comment.revisions.map((revision) => (
          <li key={revision.at} className="rounded bg-stone-50 px-2 py-1 dark:bg-stone-900">
            <span className="block">Version of {commentTime.format(new Date(revision.at))}:</span>
            <span className="whitespace-pre-wrap break-words text-stone-700 dark:text-stone-300">{revision.body}</span>
          </li>
        ))}
      </ol>
    </details>
  );
}

function VoteButtons({ comment, context }: { comment: CommentView; context: CommentItemContext }) {
  const fetcher = useFetcher<CommentActionData>({ key: `vote-${comment.id}` });
  const handled = useRef<unknown>(null);
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useEffect(() => {
    if (!result || handled.current === result || !result.ok || !result.vote) return;
    handled.current = result;
    context.onVoted(result.vote.commentId, result.vote.score, result.vote.myVote);
  }, [result, context]);
  const pending = fetcher.formData ? Number(fetcher.formData.get("value")) : null;
  const myVote = pending !== null ? pending : comment.myVote;
  const score = pending !== null ? comment.score - comment.myVote + pending : comment.score;
  const canVote = context.signedIn && !comment.mine;
  const shownScore = (
    <span className="min-w-[2ch] text-center tabular-nums" aria-label={`Score ${score}`}>
      {score}
    </span>
  );
  // Visitors and the comment's own author cannot vote: the score alone, without a form to send.
  if (!canVote) return shownScore;
  const button = (value: 1 | -1, label: string, glyph: string) => (
    <button type="submit" name="value" value={myVote === value ? "0" : String(value)} aria-pressed={myVote === value} aria-label={label} className="comment-vote">
      {glyph}
    </button>
  );
  return (
    <fetcher.Form method="post" action={`/questions/${context.questionId}`} className="flex items-center gap-1">
      <input type="hidden" name="intent" value="vote" />
      <input type="hidden" name="commentId" value={comment.id} />
      {button(1, "Vote up", "▲")}
      {shownScore}
      {button(-1, "Vote down", "▼")}
      {result && !result.ok && <span role="alert" className="text-xs text-red-700">{result.errors[""]?.join(" ")}</span>}
    </fetcher.Form>
  );
}

function DeleteButton({ comment, context }: { comment: CommentView; context: CommentItemContext }) {
  const fetcher = useFetcher<CommentActionData>({ key: `delete-${comment.id}` });
  const handled = useRef<unknown>(null);
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useEffect(() => {
    if (!result?.ok || !result.comment || handled.current === result) return;
    handled.current = result;
    context.onOwn(result.comment);
  }, [result, context]);
  return (
    <fetcher.Form
      method="post"
      action={`/questions/${context.questionId}`}
      onSubmit={(event) => {
        if (!window.confirm("Delete this comment? Replies to it stay, under “[deleted]”.")) event.preventDefault();
      }}
    >
      <input type="hidden" name="intent" value="delete-comment" />
      <input type="hidden" name="commentId" value={comment.id} />
      <button type="submit" className="comment-action" disabled={fetcher.state !== "idle"}>
        {fetcher.state !== "idle" ? "Deleting…" : "Delete"}
      </button>
      {result && !result.ok && <span role="alert" className="ml-2 text-xs text-red-700">{result.errors[""]?.join(" ")}</span>}
    </fetcher.Form>
  );
}

function ReasonForm({ comment, context, intent, onClose }: { comment: CommentView; context: CommentItemContext; intent: "report-comment" | "hide-comment"; onClose(): void }) {
  const fetcher = useFetcher<CommentActionData>({ key: `${intent}-${comment.id}` });
  const id = useId();
  const handled = useRef<unknown>(null);
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useEffect(() => {
    if (!result?.ok || handled.current === result) return;
    handled.current = result;
    if (result.comment) context.onOwn(result.comment);
    // A hidden comment has no actions left: the form has nothing more to do.
    if (intent === "hide-comment") onClose();
  }, [result, context, intent, onClose]);
  if (result?.ok && intent === "report-comment") {
    return <p role="status" className="mt-2 text-sm text-stone-600 dark:text-stone-300">{result.message}</p>;
  }
  const errors = result && !result.ok ? [...(result.errors.reason ?? []), ...(result.errors[""] ?? [])] : [];
  return (
    <fetcher.Form method="post" action={`/questions/${context.questionId}`} className="mt-3 space-y-2">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="commentId" value={comment.id} />
      <label htmlFor={`${id}-reason`} className="block text-sm font-medium">
        {intent === "report-comment" ? "What is wrong with this comment?" : "Why hide it? (its author sees this)"}
      </label>
      <input id={`${id}-reason`} name="reason" required maxLength={500} aria-invalid={errors.length > 0 || undefined} className="block w-full rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm dark:border-stone-700 dark:bg-stone-900" />
      {errors.length > 0 && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{errors.join(" ")}</p>}
      <div className="flex gap-3">
        <button type="submit" disabled={fetcher.state !== "idle"} className="rounded-md bg-stone-800 px-3 py-1.5 text-sm font-semibold text-white dark:bg-stone-200 dark:text-stone-900">
          {intent === "report-comment" ? "Send report" : "Hide comment"}
        </button>
        <button type="button" onClick={onClose} className="text-sm underline">
          Cancel
        </button>
      </div>
    </fetcher.Form>
  );
}
