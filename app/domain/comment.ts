import { z } from "zod";

/**
 * The discussion's rules that the forms, the actions and the page share: what a comment may be,
 * how deep threads indent, and when a saved forecast counts as a changed mind.
 */

export const COMMENT_MIN_LENGTH = 1;
export const COMMENT_MAX_LENGTH = 10_000;
export const HIDE_REASON_MAX_LENGTH = 500;
export const REPORT_REASON_MAX_LENGTH = 500;
/**
 * Top-level threads per page (each with all its replies). Ten, as Good Judgment Open and
 * Metaculus page their discussions: every comment on the first page is rendered and sent with
 * each signed-in view, and fifty threads (~250 comments) made the page a megabyte and most of its
 * cost; the rest arrive with "Show more comments".
 */
export const COMMENT_PAGE_SIZE = 10;
/** Replies deeper than this are shown at this depth, with a "replying to" link to their parent. */
export const MAX_SHOWN_DEPTH = 3;
/** A comment read this long before a save may be credited with it. */
export const CHANGED_MIND_WINDOW_MS = 30 * 60 * 1000;
/** A save moves a mind when some scenario moved by at least this many percentage points. */
export const CHANGED_MIND_MIN_POINTS = 5;

/** The question page's form intents that belong to the discussion (the others are the forecast's). */
export const COMMENT_INTENTS = ["comment", "edit-comment", "delete-comment", "vote", "hide-comment", "report-comment", "credit-comments"] as const;
export type CommentIntent = (typeof COMMENT_INTENTS)[number];
export const isCommentIntent = (value: unknown): value is CommentIntent => COMMENT_INTENTS.includes(value as CommentIntent);

export const COMMENT_SORTS = ["newest", "oldest", "top"] as const;
export type CommentSort = (typeof COMMENT_SORTS)[number];
export const STANCES = ["for", "against"] as const;
export type Stance = (typeof STANCES)[number];

/** A comment as every page, API answer and socket message shows it (dates as ISO text: it travels as JSON). */
export interface CommentView {
  id: string;
  questionId: string;
  parentId: string | null;
  rootId: string | null;
  author: { username: string; displayName: string | null; deleted: boolean };
  /**
   * The markdown as typed; null once deleted, or hidden (except to its author and moderators).
   * Empty ("") where a page shipped only the rendered HTML (others' comments on the question
   * page's first load: see withoutOthersMarkdown).
   */
  body: string | null;
  state: "visible" | "deleted" | "hidden";
  /** A moderator's reason, shown to the comment's author and to moderators only. */
  hiddenReason: string | null;
  createdAt: string;
  editedAt: string | null;
  /** Earlier texts, oldest first; empty when not edited or no longer shown. */
  revisions: { body: string; at: string }[];
  scenarioId: string | null;
  stance: Stance | null;
  score: number;
  /** The viewer's vote (0 for none, and for anonymous viewers and socket messages). */
  myVote: -1 | 0 | 1;
  /** The commenter's forecast when posting, and their standing one now; null when none or hidden from this viewer. */
  forecastAtPosting: number[] | null;
  currentForecast: number[] | null;
  /** Readers who said this comment changed their mind. */
  movedCount: number;
  /** Reports, counted for moderators only (0 otherwise). */
  reportCount: number;
  /** What this viewer may do with it. */
  mine: boolean;
}

export const parseCommentSort = (value: unknown): CommentSort => (COMMENT_SORTS.includes(value as CommentSort) ? (value as CommentSort) : "newest");

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const ID_MAX_LENGTH = 64;

/** Whether a posted value could be one of our ids: only such a value is echoed back in a refusal. */
export const looksLikeId = (value: unknown): value is string =>
  typeof value === "string" && value.length <= ID_MAX_LENGTH && ID_PATTERN.test(value);

const idField = (what: string) =>
  z
    .string({ required_error: `Say which ${what}`, invalid_type_error: `The ${what} must be an id` })
    .trim()
    .min(1, `Say which ${what}`)
    .max(ID_MAX_LENGTH, `That is not a ${what} id`)
    .regex(ID_PATTERN, `That is not a ${what} id`);

const optionalId = (what: string) =>
  z.preprocess((value) => (value === "" || value === null ? undefined : value), idField(what).optional());

export const commentBodySchema = z
  .string({ required_error: "Write a comment first", invalid_type_error: "The comment must be text" })
  // Kept as typed (no trim of the stored text); only an all-blank comment is empty.
  .refine((value) => value.trim().length >= COMMENT_MIN_LENGTH, "Write a comment first")
  .refine((value) => value.length <= COMMENT_MAX_LENGTH, (value) => ({
    message: `A comment can be at most ${COMMENT_MAX_LENGTH.toLocaleString("en")} characters (this one has ${value.length.toLocaleString("en")})`,
  }));

export const newCommentSchema = z
  .object({
    body: commentBodySchema,
    parentId: optionalId("comment you reply to"),
    scenarioId: optionalId("scenario"),
    stance: z.preprocess(
      (value) => (value === "" || value === null ? undefined : value),
      z.enum(STANCES, { errorMap: () => ({ message: "The stance must be “for” or “against”" }) }).optional(),
    ),
  })
  .superRefine((value, context) => {
    if (value.stance && !value.scenarioId) {
      context.addIssue({ code: "custom", path: ["stance"], message: "Pick the scenario you argue for or against" });
    }
  });
export type NewComment = z.infer<typeof newCommentSchema>;

export const editCommentSchema = z.object({ commentId: idField("comment"), body: commentBodySchema });
export const commentIdSchema = z.object({ commentId: idField("comment") });
export const voteSchema = z.object({
  commentId: idField("comment"),
  value: z.enum(["1", "-1", "0"], { errorMap: () => ({ message: "A vote is up (1), down (-1) or none (0)" }) }).transform(Number),
});
const reasonField = (max: number, missing: string) =>
  z
    .string({ required_error: missing, invalid_type_error: missing })
    .trim()
    .min(1, missing)
    .max(max, `At most ${max} characters`);
export const hideCommentSchema = z.object({ commentId: idField("comment"), reason: reasonField(HIDE_REASON_MAX_LENGTH, "Say why the comment is hidden: its author sees the reason") });
export const reportCommentSchema = z.object({ commentId: idField("comment"), reason: reasonField(REPORT_REASON_MAX_LENGTH, "Say what is wrong with this comment") });
export const creditSchema = z.object({
  forecastId: idField("forecast"),
  commentIds: z.array(idField("comment")).min(1, "Pick the comment that changed your mind").max(20, "Pick at most 20 comments"),
});

/** Largest move of any one scenario between two forecasts, in percentage points. */
export function largestMovePoints(before: readonly number[], after: readonly number[]): number {
  let largest = 0;
  for (let index = 0; index < Math.max(before.length, after.length); index++) {
    largest = Math.max(largest, Math.abs((after[index] ?? 0) - (before[index] ?? 0)) * 100);
  }
  return largest;
}

/** Whether a save from `before` to `after` is a changed mind; a first forecast has nothing to change. */
export function isChangedMind(before: readonly number[] | null, after: readonly number[]): boolean {
  // A hair under the threshold, so that 45 % → 50 % counts despite floating-point error.
  return before !== null && largestMovePoints(before, after) >= CHANGED_MIND_MIN_POINTS - 1e-9;
}

/** The comments read within the window before `now`, newest read first. */
export function commentsReadWithin(readings: readonly { commentId: string; at: number }[], now: number): string[] {
  return [...readings]
    .filter((reading) => reading.at <= now && now - reading.at <= CHANGED_MIND_WINDOW_MS)
    .sort((a, b) => b.at - a.at)
    .map((reading) => reading.commentId)
    .filter((id, index, all) => all.indexOf(id) === index);
}

export interface ThreadedItem {
  id: string;
  parentId: string | null;
}

/**
 * Comments in reading order: each thread's root, then its replies depth-first, oldest reply
 * first (a conversation reads top to bottom). `shownDepth` stops at MAX_SHOWN_DEPTH; a reply
 * shown shallower than it really is carries `replyingTo` so the reader can find its parent.
 * Replies whose parent is missing from the list are shown under their root as flattened replies.
 */
export function threadOrder<T extends ThreadedItem & { rootId: string | null; createdAt: string | Date }>(
  roots: readonly T[],
  replies: readonly T[],
): { comment: T; shownDepth: number; replyingTo: string | null }[] {
  const children = new Map<string, T[]>();
  const time = (item: T) => new Date(item.createdAt).getTime();
  const known = new Set([...roots, ...replies].map((item) => item.id));
  for (const reply of [...replies].sort((a, b) => time(a) - time(b) || a.id.localeCompare(b.id))) {
    const parent = reply.parentId && known.has(reply.parentId) ? reply.parentId : reply.rootId;
    if (!parent) continue;
    const list = children.get(parent);
    if (list) list.push(reply);
    else children.set(parent, [reply]);
  }
  const ordered: { comment: T; shownDepth: number; replyingTo: string | null }[] = [];
  const visit = (comment: T, depth: number, parentId: string | null) => {
    const shownDepth = Math.min(depth, MAX_SHOWN_DEPTH);
    const flattened = depth > MAX_SHOWN_DEPTH || (parentId !== null && comment.parentId !== parentId);
    ordered.push({ comment, shownDepth, replyingTo: flattened ? comment.parentId : null });
    for (const child of children.get(comment.id) ?? []) visit(child, depth + 1, comment.id);
  };
  for (const root of roots) visit(root, 0, null);
  return ordered;
}

/**
 * A page of the discussion as the question page's loader ships it: others' comments carry their
 * rendered HTML only, not also the markdown it came from (which only the comment's author needs,
 * to edit it). The markdown was a third of the page's loader data.
 */
export function withoutOthersMarkdown<P extends { roots: CommentView[]; replies: CommentView[]; html: Record<string, string> }>(page: P): P {
  const slim = (comment: CommentView): CommentView =>
    !comment.mine && comment.body !== null && page.html[comment.id] !== undefined ? { ...comment, body: "" } : comment;
  return { ...page, roots: page.roots.map(slim), replies: page.replies.map(slim) };
}

/** Whether two copies of a comment carry the same text (a copy without its markdown counts as the same until an edit). */
export function sameCommentText(known: Pick<CommentView, "body" | "editedAt">, next: Pick<CommentView, "body" | "editedAt">): boolean {
  if (known.body === next.body) return true;
  return known.body === "" && next.body !== null && known.editedAt === next.editedAt;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " };

/** The words of a comment's sanitised HTML, for an excerpt where the markdown was not shipped. */
export function plainTextOfCommentHtml(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, name: string) => ENTITIES[name]!)
    .replace(/\s+/g, " ")
    .trim();
}
