import { useCallback, useEffect, useReducer, useRef } from "react";
import type { CommentSort, CommentView } from "~/domain/comment";
import { discussionReducer, initialDiscussion, newestCommentId, type DiscussionState, type LoadedPage } from "~/domain/discussion-state";
import { watchQuestion } from "./live-socket";

export interface DiscussionInitial extends LoadedPage {
  sort: CommentSort;
  scenarioId: string | null;
}

export interface Discussion {
  state: DiscussionState;
  /** Shows the comments behind the "new comments" bar. */
  reveal(): void;
  /** The reader's own post, edit or deletion, as the action answered it. */
  own(comment: CommentView): void;
  voted(commentId: string, score: number, myVote: -1 | 0 | 1): void;
  credited(commentIds: string[]): void;
  loadMore(): Promise<void>;
  loadingMore: boolean;
  loadMoreFailed: boolean;
}

const loadRenderer = () => import("~/domain/comment-markdown");

/**
 * The discussion under one question, kept current: `initial` is the loader's first page; new
 * comments arrive over the page's socket; after every (re)join the page asks the server for
 * whatever it missed meanwhile (a cached page, a dropped connection). Comments that arrive
 * without server-rendered HTML are rendered here with the same sanitising renderer, loaded on
 * first need.
 */
export function useDiscussion(questionId: string, initial: DiscussionInitial): Discussion {
  const [state, dispatch] = useReducer(discussionReducer, undefined, () => initialDiscussion(questionId, initial.sort, initial.scenarioId, initial));
  const stateRef = useRef(state);
  stateRef.current = state;
  const [more, setMore] = useReducer((_: { loading: boolean; failed: boolean }, next: { loading: boolean; failed: boolean }) => next, { loading: false, failed: false });

  // A new sort, filter or question from the loader replaces the page; the same one run again
  // (after a forecast save) only refreshes what the page already shows.
  const loadedKey = `${questionId}|${initial.sort}|${initial.scenarioId ?? ""}`;
  const shownKey = useRef(loadedKey);
  useEffect(() => {
    if (shownKey.current === loadedKey) {
      for (const comment of [...initial.roots, ...initial.replies]) {
        if (stateRef.current.comments[comment.id]) dispatch({ type: "arrived", comment });
      }
      return;
    }
    shownKey.current = loadedKey;
    dispatch({ type: "page-replaced", questionId, sort: initial.sort, scenarioId: initial.scenarioId, page: initial });
  }, [loadedKey, questionId, initial]);

  useEffect(() => {
    let cancelled = false;
    let catchingUp = false;
    const catchUp = async () => {
      if (catchingUp) return;
      catchingUp = true;
      try {
        const since = newestCommentId(stateRef.current) ?? "";
        const response = await fetch(`/api/questions/${encodeURIComponent(questionId)}/comments?since=${encodeURIComponent(since)}`, { headers: { Accept: "application/json" } });
        if (!response.ok || cancelled) return;
        const body = (await response.json()) as { comments: CommentView[]; html: Record<string, string> };
        for (const comment of body.comments) {
          dispatch({ type: "arrived", comment });
          const html = body.html[comment.id];
          if (html !== undefined) dispatch({ type: "rendered", id: comment.id, html });
        }
      } catch {
        // Offline again: the next join catches up.
      } finally {
        catchingUp = false;
      }
    };
    const stop = watchQuestion(questionId, (action) => {
      if (action.type === "comment") dispatch({ type: "arrived", comment: action.event.comment });
      else if (action.type === "snapshot") void catchUp();
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [questionId]);

  const unrendered = Object.values(state.comments).filter((comment) => comment.body !== null && state.html[comment.id] === undefined);
  const unrenderedKey = unrendered.map((comment) => `${comment.id}:${comment.body?.length}`).join(",");
  useEffect(() => {
    if (unrendered.length === 0) return;
    let cancelled = false;
    void loadRenderer().then(({ renderCommentMarkdown }) => {
      if (cancelled) return;
      for (const comment of unrendered) dispatch({ type: "rendered", id: comment.id, html: renderCommentMarkdown(comment.body!) });
    });
    return () => {
      cancelled = true;
    };
    // The key stands for the list: an effect per new render would re-run for every keystroke elsewhere.
  }, [unrenderedKey]);

  const loadMore = useCallback(async () => {
    const { nextCursor, sort, scenarioId } = stateRef.current;
    if (!nextCursor) return;
    setMore({ loading: true, failed: false });
    try {
      const params = new URLSearchParams({ sort, after: nextCursor, ...(scenarioId ? { scenario: scenarioId } : {}) });
      const response = await fetch(`/api/questions/${encodeURIComponent(questionId)}/comments?${params}`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      dispatch({ type: "page-appended", page: (await response.json()) as LoadedPage });
      setMore({ loading: false, failed: false });
    } catch {
      setMore({ loading: false, failed: true });
    }
  }, [questionId]);

  return {
    state,
    reveal: useCallback(() => dispatch({ type: "reveal" }), []),
    own: useCallback((comment: CommentView) => dispatch({ type: "own", comment }), []),
    voted: useCallback((commentId: string, score: number, myVote: -1 | 0 | 1) => dispatch({ type: "voted", commentId, score, myVote }), []),
    credited: useCallback((commentIds: string[]) => dispatch({ type: "credited", commentIds }), []),
    loadMore,
    loadingMore: more.loading,
    loadMoreFailed: more.failed,
  };
}
