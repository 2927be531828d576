import { sameCommentText, threadOrder, type CommentSort, type CommentView } from "./comment";

/**
 * What the page holds of a question's discussion, and how each event changes it: pages loaded,
 * comments arriving live (held back behind the "N new comments" bar until the reader asks, so
 * nothing moves under their eyes), their own posts (shown at once), edits, deletions and votes.
 * Pure, so that it is tested without React or a socket.
 */

export interface DiscussionState {
  questionId: string;
  sort: CommentSort;
  scenarioId: string | null;
  comments: Record<string, CommentView>;
  /** Sanitised HTML by comment id: from the server for loaded comments, rendered here for others. */
  html: Record<string, string>;
  /** Top-level comments shown, in display order. */
  rootOrder: string[];
  /** Comments received but not shown yet (the "new comments" bar), oldest first. */
  pending: string[];
  nextCursor: string | null;
  total: number;
  /** The question's newest comment when a page was read: catching up starts after it, not after the newest shown. */
  newestAtLoad: NewestComment | null;
}

export interface NewestComment {
  id: string;
  createdAt: string;
}

export interface LoadedPage {
  roots: CommentView[];
  replies: CommentView[];
  nextCursor: string | null;
  total: number;
  html: Record<string, string>;
  /** Absent from older answers; see DiscussionState.newestAtLoad. */
  newest?: NewestComment | null;
}

export type DiscussionAction =
  | { type: "page-replaced"; sort: CommentSort; scenarioId: string | null; page: LoadedPage; questionId: string }
  | { type: "page-appended"; page: LoadedPage }
  /** From the socket, or from catching up after a reconnect. */
  | { type: "arrived"; comment: CommentView }
  /** The reader's own change, as the action answered it: shown at once. */
  | { type: "own"; comment: CommentView }
  | { type: "rendered"; id: string; html: string }
  | { type: "voted"; commentId: string; score: number; myVote: -1 | 0 | 1 }
  /** The reader said these comments changed their mind. */
  | { type: "credited"; commentIds: string[] }
  | { type: "reveal" };

export function initialDiscussion(questionId: string, sort: CommentSort, scenarioId: string | null, page: LoadedPage): DiscussionState {
  return withPage({ questionId, sort, scenarioId, comments: {}, html: {}, rootOrder: [], pending: [], nextCursor: null, total: 0, newestAtLoad: null }, page, true);
}

function withPage(state: DiscussionState, page: LoadedPage, replace: boolean): DiscussionState {
  const comments = replace ? {} : { ...state.comments };
  const inPage = new Set([...page.roots, ...page.replies].map((comment) => comment.id));
  for (const comment of [...page.roots, ...page.replies]) comments[comment.id] = comment;
  const known = new Set(replace ? [] : state.rootOrder);
  const rootOrder = [...(replace ? [] : state.rootOrder), ...page.roots.map((root) => root.id).filter((id) => !known.has(id))];
  return {
    ...state,
    comments,
    html: replace ? { ...page.html } : { ...state.html, ...page.html },
    rootOrder,
    // A page brings what catching up may have announced already (replies as much as threads).
    pending: replace ? [] : state.pending.filter((id) => !inPage.has(id)),
    nextCursor: page.nextCursor,
    total: page.total,
    newestAtLoad: newerOf(replace ? null : state.newestAtLoad, page.newest ?? null),
  };
}

const isNewer = (a: NewestComment, b: NewestComment) => a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
const newerOf = (a: NewestComment | null, b: NewestComment | null) => (!a ? b : !b ? a : isNewer(b, a) ? b : a);

/**
 * A newer copy of a comment the page has. Socket messages are written for anonymous readers, so
 * what is the reader's own (their vote, their authorship, a hidden comment's text and reason)
 * is kept from what the page knew.
 */
function merged(known: CommentView | undefined, next: CommentView): CommentView {
  if (!known) return next;
  const keepOwnText = next.state === "hidden" && next.body === null && known.body !== null && (known.mine || known.reportCount > 0 || known.state === "hidden");
  return {
    ...next,
    myVote: next.myVote || known.myVote,
    mine: next.mine || known.mine,
    reportCount: Math.max(next.reportCount, known.reportCount),
    body: keepOwnText ? known.body : next.body,
    hiddenReason: next.hiddenReason ?? (next.state === "hidden" ? known.hiddenReason : null),
    // Socket copies leave forecasts out for sockets that may not see the crowd; the page draws
    // them only where it may (its loader says), so a copy without them erases nothing.
    forecastAtPosting: next.forecastAtPosting ?? known.forecastAtPosting,
    currentForecast: next.currentForecast ?? known.currentForecast,
  };
}

function belongsHere(state: DiscussionState, comment: CommentView): boolean {
  if (comment.questionId !== state.questionId) return false;
  if (comment.parentId === null) return state.scenarioId === null || comment.scenarioId === state.scenarioId;
  // A reply to a thread this page has not loaded would have nowhere to go.
  return comment.rootId !== null && (state.rootOrder.includes(comment.rootId) || state.pending.includes(comment.rootId));
}

function placeRoot(state: DiscussionState, id: string): string[] {
  if (state.rootOrder.includes(id)) return state.rootOrder;
  // Newest first and top (a new comment has no votes yet, but the reader asked to see it): at the top.
  return state.sort === "oldest" ? [...state.rootOrder, id] : [id, ...state.rootOrder];
}

export function discussionReducer(state: DiscussionState, action: DiscussionAction): DiscussionState {
  switch (action.type) {
    case "page-replaced":
      return withPage({ ...state, questionId: action.questionId, sort: action.sort, scenarioId: action.scenarioId }, action.page, true);
    case "page-appended":
      return withPage(state, action.page, false);
    case "arrived": {
      const { comment } = action;
      const known = state.comments[comment.id];
      if (known) {
        const html = sameCommentText(known, comment) ? state.html : withoutKey(state.html, comment.id);
        return { ...state, comments: { ...state.comments, [comment.id]: merged(known, comment) }, html };
      }
      if (!belongsHere(state, comment) || comment.state !== "visible") return state;
      return { ...state, comments: { ...state.comments, [comment.id]: comment }, pending: [...state.pending, comment.id], total: state.total + 1 };
    }
    case "own": {
      const { comment } = action;
      const known = state.comments[comment.id];
      const wasShown = known !== undefined && !state.pending.includes(comment.id);
      const html = known && sameCommentText(known, comment) ? state.html : withoutKey(state.html, comment.id);
      const next = { ...state, comments: { ...state.comments, [comment.id]: comment }, html, pending: state.pending.filter((id) => id !== comment.id) };
      if (wasShown) return next;
      return { ...next, rootOrder: comment.parentId === null ? placeRoot(state, comment.id) : state.rootOrder, total: known ? state.total : state.total + 1 };
    }
    case "rendered":
      return state.comments[action.id] ? { ...state, html: { ...state.html, [action.id]: action.html } } : state;
    case "voted": {
      const known = state.comments[action.commentId];
      if (!known) return state;
      return { ...state, comments: { ...state.comments, [action.commentId]: { ...known, score: action.score, myVote: action.myVote } } };
    }
    case "credited": {
      const comments = { ...state.comments };
      for (const id of action.commentIds) {
        const known = comments[id];
        if (known) comments[id] = { ...known, movedCount: known.movedCount + 1 };
      }
      return { ...state, comments };
    }
    case "reveal": {
      let rootOrder = state.rootOrder;
      for (const id of state.pending) {
        if (state.comments[id]?.parentId === null) rootOrder = placeRoot({ ...state, rootOrder }, id);
      }
      return { ...state, rootOrder, pending: [] };
    }
  }
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/** The comments to draw, in reading order, with their indentation. */
export function visibleThreads(state: DiscussionState) {
  const pending = new Set(state.pending);
  const shownRoots = new Set(state.rootOrder);
  const roots = state.rootOrder.map((id) => state.comments[id]).filter((comment): comment is CommentView => comment !== undefined);
  const replies = Object.values(state.comments).filter(
    (comment) => comment.parentId !== null && comment.rootId !== null && shownRoots.has(comment.rootId) && !pending.has(comment.id),
  );
  return threadOrder(roots, replies);
}

/**
 * Where catching up starts: the newest comment the page knows of (any depth), or the question's
 * newest when the page was read, whichever is later. A first page sorted oldest first, or
 * filtered, holds only older comments: catching up from those announced hundreds of comments
 * that were never new as "new comments".
 */
export function newestCommentId(state: DiscussionState): string | null {
  let newest: NewestComment | null = state.newestAtLoad;
  for (const comment of Object.values(state.comments)) newest = newerOf(newest, comment);
  return newest?.id ?? null;
}
