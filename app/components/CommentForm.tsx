import { useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import { COMMENT_MAX_LENGTH, type CommentView } from "~/domain/comment";
import type { CommentActionData } from "~/routes/questions.$id/comment-intents.server";

export interface CommentFormScenario {
  id: string;
  title: string;
}

/**
 * The one comment form: a new comment, a reply (`parentId`) or an edit (`editing`). Posts with a
 * fetcher, so the page stays where it is; the answer's comment goes straight into the thread.
 * The textarea is "Your comment" and the button "Post comment" everywhere (tests rely on them).
 */
export function CommentForm({
  questionId,
  parentId,
  editing,
  scenarios,
  onDone,
  onCancel,
  focusOnOpen,
}: {
  questionId: string;
  parentId?: string;
  editing?: CommentView;
  /** Offered as tags for new top-level comments; replies and edits keep theirs. */
  scenarios?: readonly CommentFormScenario[];
  onDone(comment: CommentView): void;
  onCancel?: () => void;
  /** Opened by the reader (Reply, Edit): the cursor goes to the text at once. */
  focusOnOpen?: boolean;
}) {
  const fetcher = useFetcher<CommentActionData>({ key: `comment-${questionId}-${editing?.id ?? parentId ?? "new"}` });
  const id = useId();
  const [body, setBody] = useState(editing?.body ?? "");
  const [scenarioId, setScenarioId] = useState("");
  const textarea = useRef<HTMLTextAreaElement>(null);
  const handled = useRef<unknown>(null);
  const busy = fetcher.state !== "idle";
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const errors = result && !result.ok ? result.errors : undefined;
  const bodyErrors = errors?.body ?? [];
  const formErrors = [...(errors?.[""] ?? []), ...(errors?.parentId ?? []), ...(errors?.scenarioId ?? []), ...(errors?.stance ?? []), ...(errors?.commentId ?? [])];
  const tooLong = body.length > COMMENT_MAX_LENGTH;

  useEffect(() => {
    if (!result?.ok || !result.comment || handled.current === result) return;
    handled.current = result;
    onDone(result.comment);
    if (!editing) {
      setBody("");
      setScenarioId("");
    }
  }, [result, onDone, editing]);

  useEffect(() => {
    if (focusOnOpen) textarea.current?.focus();
  }, [focusOnOpen]);

  const describedBy = [bodyErrors.length ? `${id}-body-errors` : "", `${id}-count`].filter(Boolean).join(" ");
  return (
    <fetcher.Form
      method="post"
      action={`/questions/${questionId}`}
      className="space-y-3"
      onKeyDown={(event) => {
        // Ctrl/⌘+Enter posts, as in most comment boxes; Escape closes a reply or edit.
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (!busy && !tooLong && body.trim()) event.currentTarget.requestSubmit();
        } else if (event.key === "Escape" && onCancel) {
          onCancel();
        }
      }}
    >
      <input type="hidden" name="intent" value={editing ? "edit-comment" : "comment"} />
      {editing && <input type="hidden" name="commentId" value={editing.id} />}
      {parentId && <input type="hidden" name="parentId" value={parentId} />}
      <div>
        <label htmlFor={`${id}-body`} className="block text-sm font-medium text-stone-800 dark:text-stone-200">
          Your comment
        </label>
        <textarea
          ref={textarea}
          id={`${id}-body`}
          name="body"
          rows={parentId || editing ? 3 : 4}
          value={body}
          onChange={(event) => setBody(event.target.value)}
          aria-invalid={bodyErrors.length > 0 || tooLong ? true : undefined}
          aria-describedby={describedBy}
          placeholder={parentId ? "Reply… (markdown: *emphasis*, [links](https://…), > quotes, `code`)" : "Share your take… (markdown: *emphasis*, [links](https://…), > quotes, `code`, @username)"}
          className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base shadow-sm placeholder:text-stone-400 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900"
        />
        <p id={`${id}-count`} className={`mt-1 text-xs tabular-nums ${tooLong ? "text-red-700 dark:text-red-400" : "text-stone-500 dark:text-stone-400"}`}>
          {body.length.toLocaleString("en")} / {COMMENT_MAX_LENGTH.toLocaleString("en")} characters{tooLong ? " — too long to post" : ""}
        </p>
        {bodyErrors.length > 0 && (
          <ul id={`${id}-body-errors`} className="mt-1 text-sm text-red-700 dark:text-red-400">
            {bodyErrors.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        )}
      </div>
      {!parentId && !editing && scenarios && scenarios.length > 0 && (
        <fieldset className="flex flex-wrap items-end gap-3">
          <legend className="sr-only">What the comment argues about (optional)</legend>
          <div>
            <label htmlFor={`${id}-scenario`} className="block text-sm font-medium text-stone-800 dark:text-stone-200">
              About a scenario <span className="font-normal text-stone-500">(optional)</span>
            </label>
            <select
              id={`${id}-scenario`}
              name="scenarioId"
              value={scenarioId}
              onChange={(event) => setScenarioId(event.target.value)}
              className="mt-1 block rounded-md border border-stone-300 bg-white px-2 py-1.5 text-sm dark:border-stone-700 dark:bg-stone-900"
            >
              <option value="">No scenario</option>
              {scenarios.map((scenario) => (
                <option key={scenario.id} value={scenario.id}>
                  {scenario.title}
                </option>
              ))}
            </select>
          </div>
          {scenarioId && (
            <div role="radiogroup" aria-label="Stance" className="flex gap-3 pb-1.5 text-sm">
              <label className="flex items-center gap-1">
                <input type="radio" name="stance" value="" defaultChecked /> About it
              </label>
              <label className="flex items-center gap-1">
                <input type="radio" name="stance" value="for" /> For
              </label>
              <label className="flex items-center gap-1">
                <input type="radio" name="stance" value="against" /> Against
              </label>
            </div>
          )}
        </fieldset>
      )}
      {formErrors.length > 0 && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {formErrors.join(" ")}
        </p>
      )}
      <div className="flex items-center gap-3">
        <button
          type="submit"
          disabled={busy || tooLong}
          className="rounded-md bg-accent-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-accent-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-500 focus-visible:ring-offset-2 disabled:opacity-60"
        >
          {editing ? (busy ? "Saving…" : "Save changes") : "Post comment"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} className="text-sm text-stone-600 underline dark:text-stone-300">
            Cancel
          </button>
        )}
        {busy && !editing && (
          <span role="status" className="text-sm text-stone-500">
            Posting…
          </span>
        )}
      </div>
    </fetcher.Form>
  );
}
