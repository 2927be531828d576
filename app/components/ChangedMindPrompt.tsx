import { useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import { commentsReadBefore } from "~/comment-readings.client";
import { isChangedMind, plainTextOfCommentHtml, type CommentView } from "~/domain/comment";
import type { ForecastActionData } from "./ForecastPanel";
import type { CommentActionData } from "~/routes/questions.$id/comment-intents.server";

const excerpt = (body: string) => (body.length > 140 ? `${body.slice(0, 139)}…` : body);

/**
 * After a save that moved some scenario by 5 points or more: "Did a comment change your mind?",
 * offering the comments (by others) this reader read in the 30 minutes before. A yes credits them.
 */
export function ChangedMindPrompt({
  questionId,
  forecasts,
  comments,
  html,
  onCredited,
}: {
  questionId: string;
  /** The reader's forecasts on the question, oldest first, as the loader (re)loaded them. */
  forecasts: readonly { id: string; probabilities: number[] }[];
  comments: Record<string, CommentView>;
  /** Rendered text by comment id: others' comments may come without their markdown. */
  html: Record<string, string>;
  onCredited(commentIds: string[]): void;
}) {
  const save = useFetcher<ForecastActionData>({ key: `forecast-save-${questionId}` });
  const credit = useFetcher<CommentActionData>({ key: `credit-${questionId}` });
  const id = useId();
  const [offer, setOffer] = useState<{ forecastId: string; commentIds: string[] } | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const handled = useRef<unknown>(null);

  const savedId = save.state === "idle" && save.data?.ok && save.data.intent === "save" ? (save.data.forecastId ?? null) : null;
  const latest = forecasts.at(-1);
  const previous = forecasts.at(-2);
  useEffect(() => {
    if (!savedId || latest?.id !== savedId || offer?.forecastId === savedId || dismissed === savedId) return;
    if (!isChangedMind(previous?.probabilities ?? null, latest.probabilities)) return;
    const read = commentsReadBefore(questionId, Date.now()).filter((commentId) => {
      const comment = comments[commentId];
      return comment && !comment.mine && comment.state === "visible";
    });
    if (read.length > 0) setOffer({ forecastId: savedId, commentIds: read.slice(0, 5) });
  }, [savedId, latest, previous, offer, dismissed, questionId, comments]);

  const result = credit.state === "idle" ? credit.data : undefined;
  useEffect(() => {
    if (!result?.ok || !result.credited || handled.current === result) return;
    handled.current = result;
    onCredited(result.credited);
  }, [result, onCredited]);

  if (!offer || dismissed === offer.forecastId) return null;
  if (result?.ok) {
    return (
      <p role="status" className="mt-3 rounded-lg bg-accent-50 px-4 py-3 text-sm text-accent-900 dark:bg-accent-950 dark:text-accent-100">
        Thank you: the comment{(result.credited?.length ?? 0) === 1 ? " gets" : "s get"} the credit for moving you.
      </p>
    );
  }
  return (
    <credit.Form method="post" action={`/questions/${questionId}`} aria-labelledby={`${id}-title`} className="mt-3 rounded-lg border border-accent-200 bg-accent-50 px-4 py-3 text-sm dark:border-accent-900 dark:bg-accent-950">
      <input type="hidden" name="intent" value="credit-comments" />
      <input type="hidden" name="forecastId" value={offer.forecastId} />
      <fieldset>
        <legend id={`${id}-title`} className="font-semibold">
          Did a comment change your mind?
        </legend>
        <p className="text-stone-600 dark:text-stone-300">You moved your forecast after reading these. Tick the ones that moved you.</p>
        <ul className="mt-2 space-y-1">
          {offer.commentIds.map((commentId, index) => {
            const comment = comments[commentId];
            const text = comment?.body || plainTextOfCommentHtml(html[commentId] ?? "");
            if (!comment || !text) return null;
            return (
              <li key={commentId}>
                <label className="flex items-start gap-2">
                  <input type="checkbox" name="commentIds" value={commentId} defaultChecked={index === 0} className="mt-1" />
                  <span>
                    <span className="font-medium">{comment.author.displayName || comment.author.username}:</span> {excerpt(text)}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      </fieldset>
      {result && !result.ok && (
        <p role="alert" className="mt-2 text-red-700 dark:text-red-400">
          {Object.values(result.errors).flat().join(" ")}
        </p>
      )}
      <div className="mt-3 flex gap-3">
        <button type="submit" disabled={credit.state !== "idle"} className="rounded-md bg-accent-600 px-3 py-1.5 font-semibold text-white hover:bg-accent-700">
          Yes, credit them
        </button>
        <button type="button" onClick={() => setDismissed(offer.forecastId)} className="underline">
          No
        </button>
      </div>
    </credit.Form>
  );
}
