import { getDb, type Db } from "~/db.server";
import { canEditArticle } from "~/auth/permissions";
import type { Role } from "~/auth/account-forms";
import {
  CHANGED_MIND_WINDOW_MS,
  COMMENT_PAGE_SIZE,
  isChangedMind,
  type CommentSort,
  type CommentView,
  type NewComment,
} from "~/domain/comment";
import { COMMENT_RENDER_VERSION, renderCommentMarkdown } from "~/domain/comment-markdown";
import { parseProbabilityVector } from "~/domain/probability-vector";
import { createSharedReads, type SharedReads } from "./shared-reads.server";

/**
 * The discussion under a question: the only code that reads or writes comments, their earlier
 * versions, votes, "changed my mind" credits and reports. Every write checks what it needs in the
 * same transaction as the write, so a refused one stores nothing.
 */

export interface CommentViewer {
  id: string;
  role: Role;
}

export type CommentRefusalCode =
  | "question_not_found"
  | "comment_not_found"
  | "parent_elsewhere"
  | "parent_unavailable"
  | "scenario_elsewhere"
  | "not_yours"
  | "own_comment"
  | "not_allowed"
  | "unavailable"
  | "already_reported"
  | "forecast_not_eligible";

export type CommentOutcome<T> = { ok: true; value: T } | { ok: false; code: CommentRefusalCode; message: string };

const refuse = (code: CommentRefusalCode, message: string) => ({ ok: false as const, code, message });

// Nothing in it depends on who reads: the reader's own votes are read apart (votesOf), so that
// a page of rows can be shared between readers (sharedPagesOf).
const COMMENT_SELECT = {
  id: true,
  questionId: true,
  parentId: true,
  rootId: true,
  userId: true,
  body: true,
  bodyHtml: true,
  renderVersion: true,
  scenarioId: true,
  stance: true,
  score: true,
  createdAt: true,
  editedAt: true,
  deletedAt: true,
  hiddenAt: true,
  hiddenReason: true,
  user: { select: { username: true, displayName: true, deletedAt: true } },
  forecast: { select: { probabilities: true } },
  revisions: { orderBy: { createdAt: "asc" as const }, select: { body: true, createdAt: true } },
  question: { select: { article: { select: { authorId: true } } } },
  _count: { select: { credits: true, reports: true, replies: true } },
} as const;

type CommentRow = Awaited<ReturnType<typeof findComments>>[number];

function findComments(db: Db, where: NonNullable<Parameters<Db["comment"]["findMany"]>[0]>["where"], extra: { orderBy?: object[]; take?: number; cursor?: { id: string }; skip?: number } = {}) {
  return db.comment.findMany({ where, select: COMMENT_SELECT, ...extra } as { where: typeof where; select: typeof COMMENT_SELECT });
}

async function votesOf(db: Db, viewerId: string | null, commentIds: string[]): Promise<Map<string, number>> {
  if (!viewerId || commentIds.length === 0) return new Map();
  const rows = await db.commentVote.findMany({ where: { userId: viewerId, commentId: { in: commentIds } }, select: { commentId: true, value: true } });
  return new Map(rows.map((row) => [row.commentId, row.value]));
}

export interface ViewOptions {
  viewer: CommentViewer | null;
  /** False on a question whose crowd this viewer may not see yet: individual forecasts would tell it. */
  showForecasts: boolean;
}

async function currentForecastsOf(db: Db, questionId: string, userIds: string[]): Promise<Map<string, number[]>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.forecast.findMany({
    where: { questionId, userId: { in: [...new Set(userIds)] }, supersededAt: null, withdrawnAt: null },
    select: { userId: true, probabilities: true },
  });
  return new Map(rows.map((row) => [row.userId!, parseProbabilityVector(row.probabilities)]));
}

function toView(row: CommentRow, options: ViewOptions, current: ReadonlyMap<string, number[]>, votes: ReadonlyMap<string, number>): CommentView {
  const { viewer } = options;
  const mine = viewer?.id === row.userId;
  const moderator = viewer !== null && canEditArticle(viewer, row.question.article);
  const state = row.deletedAt ? "deleted" : row.hiddenAt ? "hidden" : "visible";
  const bodyShown = state === "visible" || (state === "hidden" && (mine || moderator));
  const vote = votes.get(row.id) ?? 0;
  return {
    id: row.id,
    questionId: row.questionId,
    parentId: row.parentId,
    rootId: row.rootId,
    author: row.user.deletedAt
      ? { username: "", displayName: null, deleted: true }
      : { username: row.user.username, displayName: row.user.displayName, deleted: false },
    body: bodyShown ? row.body : null,
    state,
    hiddenReason: state === "hidden" && (mine || moderator) ? row.hiddenReason : null,
    createdAt: row.createdAt.toISOString(),
    editedAt: state === "deleted" ? null : (row.editedAt?.toISOString() ?? null),
    revisions: bodyShown ? row.revisions.map((revision) => ({ body: revision.body, at: revision.createdAt.toISOString() })) : [],
    scenarioId: row.scenarioId,
    stance: row.stance === "for" || row.stance === "against" ? row.stance : null,
    score: row.score,
    myVote: vote > 0 ? 1 : vote < 0 ? -1 : 0,
    forecastAtPosting: options.showForecasts && row.forecast && bodyShown ? parseProbabilityVector(row.forecast.probabilities) : null,
    currentForecast: options.showForecasts && bodyShown ? (current.get(row.userId) ?? null) : null,
    movedCount: row._count.credits,
    reportCount: moderator ? row._count.reports : 0,
    mine,
  };
}

async function viewsOf(db: Db, questionId: string, rows: CommentRow[], options: ViewOptions): Promise<CommentView[]> {
  const [current, votes] = await Promise.all([
    options.showForecasts ? currentForecastsOf(db, questionId, rows.map((row) => row.userId)) : new Map<string, number[]>(),
    votesOf(db, options.viewer?.id ?? null, rows.map((row) => row.id)),
  ]);
  return rows.map((row) => toView(row, options, current, votes));
}

const ROOT_ORDER: Record<CommentSort, object[]> = {
  newest: [{ createdAt: "desc" }, { id: "desc" }],
  oldest: [{ createdAt: "asc" }, { id: "asc" }],
  top: [{ score: "desc" }, { createdAt: "desc" }, { id: "desc" }],
};

export interface CommentPage {
  /** The page's top-level comments in the requested order, each followed by nothing: replies are in `replies`. */
  roots: CommentView[];
  replies: CommentView[];
  /** Pass as `after` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Comments shown (neither deleted nor hidden), replies included; with a filter, those tagged with its scenario. */
  total: number;
  /** Sanitised HTML by id of the comments whose text is shown. */
  html: Record<string, string>;
  /** The question's newest comment (any depth, any page) when this page was read: where catching up starts. */
  newest: { id: string; createdAt: string } | null;
}

/**
 * One page of threads: COMMENT_PAGE_SIZE top-level comments in `sort` order after the `after`
 * cursor (a top-level comment's id), each with all its replies. Deleted comments without replies
 * are left out; with replies they stay as placeholders.
 */
export async function listCommentPage(
  input: { questionId: string; sort: CommentSort; scenarioId?: string | null; after?: string | null; shareRows?: boolean },
  options: ViewOptions,
  db: Db = getDb(),
): Promise<CommentPage> {
  const query = { questionId: input.questionId, sort: input.sort, scenarioId: input.scenarioId ?? null, after: input.after ?? null };
  const rows = input.shareRows
    ? await sharedPagesOf(db).read(input.questionId, `${query.sort}|${query.scenarioId ?? ""}|${query.after ?? ""}`, () => readPageRows(db, query))
    : await readPageRows(db, query);
  const all = [...rows.pageRows, ...rows.replyRows];
  const votes = await votesOf(db, options.viewer?.id ?? null, all.map((row) => row.id));
  const current = options.showForecasts ? rows.currentForecasts : new Map<string, number[]>();
  const views = all.map((row) => toView(row, options, current, votes));
  const roots = views.slice(0, rows.pageRows.length);
  const replies = withoutEmptyPlaceholders(views.slice(rows.pageRows.length));
  const html = htmlOfRows(all, new Set(views.flatMap((view) => (view.body === null ? [] : [view.id]))));
  return { roots, replies, nextCursor: rows.nextCursor, total: rows.total, html, newest: rows.newest };
}

/** A page of threads as every reader gets it; who reads it is applied afterwards (toView, votesOf). */
interface PageRows {
  pageRows: CommentRow[];
  replyRows: CommentRow[];
  nextCursor: string | null;
  total: number;
  /** The commenters' standing forecasts, shown only to readers who may see the crowd. */
  currentForecasts: ReadonlyMap<string, number[]>;
  newest: CommentPage["newest"];
}

/**
 * Page rows shared between the readers of a question for two seconds, forgotten on this
 * instance's every comment write (afterDiscussionWrite): the question page reads the same first
 * page for every signed-in view, and the comment rows were most of its database time. The
 * commenters' standing forecasts may lag a save by those two seconds.
 */
const SHARED_PAGE_TTL_MS = 2_000;
const sharedPagesByDb = new WeakMap<Db, SharedReads<PageRows>>();

function sharedPagesOf(db: Db): SharedReads<PageRows> {
  let pages = sharedPagesByDb.get(db);
  if (!pages) sharedPagesByDb.set(db, (pages = createSharedReads<PageRows>({ ttlMs: SHARED_PAGE_TTL_MS, maxEntries: 1_000 })));
  return pages;
}

/** After a write that may change what a page of the question's discussion shows (made or refused: it is cheap). */
async function afterDiscussionWrite<T>(db: Db, questionId: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } finally {
    sharedPagesOf(db).forget(questionId);
  }
}

/** Names and accounts show in every page of every discussion: an account's change forgets them all. */
export function forgetSharedDiscussions(db: Db = getDb()): void {
  sharedPagesOf(db).forgetAll();
}

async function readPageRows(db: Db, input: { questionId: string; sort: CommentSort; scenarioId: string | null; after: string | null }): Promise<PageRows> {
  const rootWhere = {
    questionId: input.questionId,
    parentId: null,
    ...(input.scenarioId ? { scenarioId: input.scenarioId } : {}),
    OR: [{ deletedAt: null }, { replies: { some: {} } }],
  };
  const cursorIsRoot = input.after
    ? (await db.comment.findFirst({ where: { id: input.after, questionId: input.questionId, parentId: null }, select: { id: true } })) !== null
    : false;
  const [rootRows, total, newest] = await Promise.all([
    findComments(db, rootWhere, {
      orderBy: ROOT_ORDER[input.sort],
      take: COMMENT_PAGE_SIZE + 1,
      ...(cursorIsRoot ? { cursor: { id: input.after! }, skip: 1 } : {}),
    }),
    db.comment.count({ where: { questionId: input.questionId, deletedAt: null, hiddenAt: null, ...(input.scenarioId ? { scenarioId: input.scenarioId } : {}) } }),
    db.comment.findFirst({ where: { questionId: input.questionId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true, createdAt: true } }),
  ]);
  const pageRows = rootRows.slice(0, COMMENT_PAGE_SIZE);
  const replyRows = pageRows.length ? await findComments(db, { rootId: { in: pageRows.map((row) => row.id) } }) : [];
  const currentForecasts = await currentForecastsOf(db, input.questionId, [...pageRows, ...replyRows].map((row) => row.userId));
  return {
    pageRows,
    replyRows,
    nextCursor: rootRows.length > COMMENT_PAGE_SIZE ? pageRows.at(-1)!.id : null,
    total,
    currentForecasts,
    newest: newest && { id: newest.id, createdAt: newest.createdAt.toISOString() },
  };
}

/** Drops deleted replies that no longer lead to anything shown. */
function withoutEmptyPlaceholders(replies: CommentView[]): CommentView[] {
  let remaining = replies;
  for (;;) {
    const parents = new Set(remaining.map((reply) => reply.parentId));
    const kept = remaining.filter((reply) => reply.state !== "deleted" || parents.has(reply.id));
    if (kept.length === remaining.length) return kept;
    remaining = kept;
  }
}

/**
 * Comments (of any depth) created after the comment `sinceId` (all, when null), oldest first, at
 * most `limit`: what a page missed while it was offline or cached. Null when `sinceId` is not a
 * comment of this question (the page should reload).
 */
export async function listCommentsSince(
  input: { questionId: string; sinceId: string | null; limit?: number },
  options: ViewOptions,
  db: Db = getDb(),
): Promise<CommentView[] | null> {
  let after = {};
  if (input.sinceId) {
    const since = await db.comment.findFirst({ where: { id: input.sinceId, questionId: input.questionId }, select: { createdAt: true, id: true } });
    if (!since) return null;
    after = { OR: [{ createdAt: { gt: since.createdAt } }, { createdAt: since.createdAt, id: { gt: since.id } }] };
  }
  const rows = await findComments(db, { questionId: input.questionId, deletedAt: null, ...after }, {
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: input.limit ?? 200,
  });
  return viewsOf(db, input.questionId, rows, options);
}

/** One comment as `options.viewer` sees it, or null. */
export async function getCommentView(commentId: string, options: ViewOptions, db: Db = getDb()): Promise<CommentView | null> {
  const [row] = await findComments(db, { id: commentId });
  if (!row) return null;
  const [view] = await viewsOf(db, row.questionId, [row], options);
  return view ?? null;
}

interface PostingQuestion {
  id: string;
  revealCrowd: "always" | "after_forecast";
}

/**
 * Posts a comment or a reply. The reply's parent must be a shown comment of the same question;
 * the scenario must be one of its scenarios. The commenter's standing forecast is linked, so the
 * comment keeps showing where they stood when they wrote it.
 */
export async function createComment(
  input: NewComment & { questionId: string; userId: string; now?: Date },
  db: Db = getDb(),
): Promise<CommentOutcome<{ id: string; question: PostingQuestion }>> {
  // Rendered before the transaction: it is the slow part, and needs no lock.
  const bodyHtml = renderCommentMarkdown(input.body);
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const question = await tx.question.findFirst({
      where: { id: input.questionId, article: { publishedAt: { not: null } } },
      select: { id: true, revealCrowd: true, scenarios: { select: { id: true } } },
    });
    if (!question) return refuse("question_not_found", "This question does not exist (any more).");
    let rootId: string | null = null;
    let depth = 0;
    if (input.parentId) {
      const parent = await tx.comment.findUnique({ where: { id: input.parentId }, select: { questionId: true, rootId: true, depth: true, deletedAt: true, hiddenAt: true } });
      if (!parent) return refuse("comment_not_found", "The comment you are replying to does not exist.");
      if (parent.questionId !== question.id) return refuse("parent_elsewhere", "You can only reply to comments on this question.");
      if (parent.deletedAt || parent.hiddenAt) return refuse("parent_unavailable", "That comment was deleted or hidden; it can no longer be replied to.");
      rootId = parent.rootId ?? input.parentId;
      depth = parent.depth + 1;
    }
    if (input.scenarioId && !question.scenarios.some((scenario) => scenario.id === input.scenarioId)) {
      return refuse("scenario_elsewhere", "That scenario is not part of this question; reload the page and try again.");
    }
    const standing = await tx.forecast.findFirst({
      where: { questionId: question.id, userId: input.userId, supersededAt: null, withdrawnAt: null },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    });
    const created = await tx.comment.create({
      data: {
        questionId: question.id,
        userId: input.userId,
        parentId: input.parentId ?? null,
        rootId,
        depth,
        body: input.body,
        bodyHtml,
        renderVersion: COMMENT_RENDER_VERSION,
        scenarioId: input.scenarioId ?? null,
        stance: input.scenarioId ? (input.stance ?? null) : null,
        forecastId: standing?.id ?? null,
        ...(input.now ? { createdAt: input.now } : {}),
      },
      select: { id: true },
    });
    return { ok: true as const, value: { id: created.id, question: { id: question.id, revealCrowd: question.revealCrowd as PostingQuestion["revealCrowd"] } } };
  }));
}

type ModerationRow = { id: string; questionId: string; userId: string; deletedAt: Date | null; hiddenAt: Date | null; question: { revealCrowd: string; article: { authorId: string } } };

/** The comment, when it is one of `questionId`'s: an id from another question is as good as unknown. */
async function findForChange(tx: Pick<Db, "comment">, commentId: string, questionId: string): Promise<ModerationRow | null> {
  return tx.comment.findFirst({
    where: { id: commentId, questionId },
    select: { id: true, questionId: true, userId: true, deletedAt: true, hiddenAt: true, question: { select: { revealCrowd: true, article: { select: { authorId: true } } } } },
  });
}

/**
 * Locks comment rows until the transaction ends (PostgreSQL; SQLite runs one write transaction at
 * a time anyway), so that what is read next — a vote, a report, a credit — cannot change under
 * a concurrent request of the same user. A no-op update is the portable row lock.
 */
async function lockComments(tx: Pick<Db, "comment">, ids: readonly string[]) {
  for (const id of [...ids].sort()) await tx.comment.update({ where: { id }, data: { score: { increment: 0 } }, select: { id: true } });
}

export interface ChangedComment {
  id: string;
  question: PostingQuestion;
}

const changed = (row: ModerationRow): CommentOutcome<ChangedComment> => ({
  ok: true,
  value: { id: row.id, question: { id: row.questionId, revealCrowd: row.question.revealCrowd as PostingQuestion["revealCrowd"] } },
});

/** Replaces the text of one's own comment, keeping the previous text as a revision. */
export async function editComment(input: { questionId: string; commentId: string; userId: string; body: string; now?: Date }, db: Db = getDb()): Promise<CommentOutcome<ChangedComment>> {
  const now = input.now ?? new Date();
  const bodyHtml = renderCommentMarkdown(input.body);
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const row = await findForChange(tx, input.commentId, input.questionId);
    if (!row) return refuse("comment_not_found", "That comment does not exist on this question.");
    if (row.userId !== input.userId) return refuse("not_yours", "You can only edit your own comments.");
    if (row.deletedAt) return refuse("unavailable", "This comment was deleted; it can no longer be edited.");
    if (row.hiddenAt) return refuse("unavailable", "A moderator hid this comment; it can no longer be edited.");
    const previous = await tx.comment.findUniqueOrThrow({ where: { id: row.id }, select: { body: true, createdAt: true, editedAt: true } });
    if (previous.body === input.body) return changed(row);
    await tx.commentRevision.create({ data: { commentId: row.id, body: previous.body, createdAt: previous.editedAt ?? previous.createdAt } });
    await tx.comment.update({ where: { id: row.id }, data: { body: input.body, bodyHtml, renderVersion: COMMENT_RENDER_VERSION, editedAt: now } });
    return changed(row);
  }));
}

/** Deletes one's own comment: its text goes from every view; its replies stay under a placeholder. */
export async function deleteComment(input: { questionId: string; commentId: string; userId: string; now?: Date }, db: Db = getDb()): Promise<CommentOutcome<ChangedComment>> {
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const row = await findForChange(tx, input.commentId, input.questionId);
    if (!row) return refuse("comment_not_found", "That comment does not exist on this question.");
    if (row.userId !== input.userId) return refuse("not_yours", "You can only delete your own comments.");
    if (row.deletedAt) return changed(row);
    await tx.comment.update({ where: { id: row.id }, data: { deletedAt: input.now ?? new Date() } });
    return changed(row);
  }));
}

/** Hides a comment, with a reason its author sees: the article's author and admins only. */
export async function hideComment(input: { questionId: string; commentId: string; moderator: CommentViewer; reason: string; now?: Date }, db: Db = getDb()): Promise<CommentOutcome<ChangedComment>> {
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const row = await findForChange(tx, input.commentId, input.questionId);
    if (!row) return refuse("comment_not_found", "That comment does not exist on this question.");
    if (!canEditArticle(input.moderator, row.question.article)) return refuse("not_allowed", "Only the article's author and admins can hide comments.");
    if (row.deletedAt) return refuse("unavailable", "This comment was already deleted by its author.");
    // A second hide would overwrite the reason its author was given.
    if (row.hiddenAt) return refuse("unavailable", "This comment is already hidden.");
    await tx.comment.update({ where: { id: row.id }, data: { hiddenAt: input.now ?? new Date(), hiddenReason: input.reason, hiddenById: input.moderator.id } });
    return changed(row);
  }));
}

/** Sets (1 / -1) or clears (0) the user's vote on someone else's comment; returns the new score. */
export async function voteOnComment(input: { questionId: string; commentId: string; userId: string; value: number }, db: Db = getDb()): Promise<CommentOutcome<{ score: number; myVote: -1 | 0 | 1 }>> {
  const value = Math.sign(input.value) as -1 | 0 | 1;
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const row = await findForChange(tx, input.commentId, input.questionId);
    if (!row) return refuse("comment_not_found", "That comment does not exist on this question.");
    if (row.userId === input.userId) return refuse("own_comment", "You cannot vote on your own comment.");
    if (row.deletedAt || row.hiddenAt) return refuse("unavailable", "This comment was deleted or hidden; it can no longer be voted on.");
    // Concurrent votes by one user would otherwise each add their delta to the score.
    await lockComments(tx, [row.id]);
    const existing = await tx.commentVote.findUnique({ where: { commentId_userId: { commentId: row.id, userId: input.userId } }, select: { value: true } });
    const delta = value - (existing?.value ?? 0);
    if (value === 0) await tx.commentVote.deleteMany({ where: { commentId: row.id, userId: input.userId } });
    else {
      await tx.commentVote.upsert({
        where: { commentId_userId: { commentId: row.id, userId: input.userId } },
        create: { commentId: row.id, userId: input.userId, value },
        update: { value, updatedAt: new Date() },
      });
    }
    const { score } = delta === 0
      ? await tx.comment.findUniqueOrThrow({ where: { id: row.id }, select: { score: true } })
      : await tx.comment.update({ where: { id: row.id }, data: { score: { increment: delta } }, select: { score: true } });
    return { ok: true as const, value: { score, myVote: value } };
  }));
}

/** Reports someone else's comment to the moderators, once per user. */
export async function reportComment(input: { questionId: string; commentId: string; userId: string; reason: string }, db: Db = getDb()): Promise<CommentOutcome<null>> {
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const row = await findForChange(tx, input.commentId, input.questionId);
    if (!row) return refuse("comment_not_found", "That comment does not exist on this question.");
    if (row.userId === input.userId) return refuse("own_comment", "You cannot report your own comment; edit or delete it instead.");
    if (row.deletedAt) return refuse("unavailable", "This comment was already deleted.");
    await lockComments(tx, [row.id]);
    const existing = await tx.commentReport.findUnique({ where: { commentId_userId: { commentId: row.id, userId: input.userId } }, select: { id: true } });
    if (existing) return refuse("already_reported", "You have already reported this comment; a moderator will look at it.");
    await tx.commentReport.create({ data: { commentId: row.id, userId: input.userId, reason: input.reason } });
    return { ok: true as const, value: null };
  }));
}

/**
 * "Changed my mind": credits comments with the reader's forecast `forecastId`. Accepted only for
 * the reader's own forecast saved within the last CHANGED_MIND_WINDOW_MS that moved some scenario
 * by CHANGED_MIND_MIN_POINTS or more from their previous one, and only for others' shown comments
 * on the same question. A comment already credited by this reader keeps its first credit.
 */
export async function creditComments(
  input: { questionId: string; userId: string; forecastId: string; commentIds: string[]; now?: Date },
  db: Db = getDb(),
): Promise<CommentOutcome<{ credited: string[] }>> {
  const now = input.now ?? new Date();
  return afterDiscussionWrite(db, input.questionId, db.$transaction(async (tx) => {
    const forecast = await tx.forecast.findFirst({ where: { id: input.forecastId, userId: input.userId, questionId: input.questionId }, select: { id: true, questionId: true, probabilities: true, createdAt: true } });
    if (!forecast) return refuse("forecast_not_eligible", "That forecast is not yours on this question, or no longer exists.");
    if (now.getTime() - forecast.createdAt.getTime() > CHANGED_MIND_WINDOW_MS) return refuse("forecast_not_eligible", "That forecast was saved too long ago to credit a comment with it.");
    const previous = await tx.forecast.findFirst({
      where: { questionId: forecast.questionId, userId: input.userId, OR: [{ createdAt: { lt: forecast.createdAt } }, { createdAt: forecast.createdAt, id: { lt: forecast.id } }] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { probabilities: true },
    });
    if (!isChangedMind(previous ? parseProbabilityVector(previous.probabilities) : null, parseProbabilityVector(forecast.probabilities))) {
      return refuse("forecast_not_eligible", "That forecast did not move far enough from your previous one to credit a comment with it.");
    }
    const ids = [...new Set(input.commentIds)];
    const comments = await tx.comment.findMany({ where: { id: { in: ids } }, select: { id: true, questionId: true, userId: true, deletedAt: true, hiddenAt: true } });
    if (comments.length !== ids.length) return refuse("comment_not_found", "One of those comments does not exist.");
    if (comments.some((comment) => comment.questionId !== forecast.questionId)) return refuse("parent_elsewhere", "Only comments on the same question can be credited.");
    if (comments.some((comment) => comment.userId === input.userId)) return refuse("own_comment", "You cannot credit your own comment.");
    if (comments.some((comment) => comment.deletedAt || comment.hiddenAt)) return refuse("unavailable", "One of those comments was deleted or hidden.");
    await lockComments(tx, ids);
    const already = new Set(
      (await tx.commentCredit.findMany({ where: { userId: input.userId, commentId: { in: ids } }, select: { commentId: true } })).map((credit) => credit.commentId),
    );
    const fresh = ids.filter((id) => !already.has(id));
    if (fresh.length) await tx.commentCredit.createMany({ data: fresh.map((commentId) => ({ commentId, userId: input.userId, forecastId: forecast.id })) });
    return { ok: true as const, value: { credited: fresh } };
  }));
}

export interface ProfileComment {
  id: string;
  body: string;
  createdAt: string;
  question: { id: string; title: string };
  movedCount: number;
  score: number;
}

/** A user's shown comments on published questions, newest first (their public profile). */
export async function listCommentsByUser(userId: string, limit = 50, db: Db = getDb()): Promise<ProfileComment[]> {
  const rows = await db.comment.findMany({
    where: { userId, deletedAt: null, hiddenAt: null, question: { article: { publishedAt: { not: null } } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, body: true, createdAt: true, score: true, question: { select: { id: true, title: true } }, _count: { select: { credits: true } } },
  });
  return rows.map((row) => ({ id: row.id, body: row.body, createdAt: row.createdAt.toISOString(), question: row.question, movedCount: row._count.credits, score: row.score }));
}

/** Shown comments (neither deleted nor hidden) per question, in one query; questions without any are 0. */
export async function countCommentsOf(questionIds: readonly string[], db: Db = getDb()): Promise<Record<string, number>> {
  const rows = await db.comment.groupBy({ by: ["questionId"], where: { questionId: { in: [...questionIds] }, deletedAt: null, hiddenAt: null }, _count: { _all: true } });
  const counts: Record<string, number> = Object.fromEntries(questionIds.map((id) => [id, 0]));
  for (const row of rows) counts[row.questionId] = row._count._all;
  return counts;
}

/**
 * The sanitised HTML of the comments whose text `views` show, by id: as stored when written, or
 * rendered now for comments stored by an older renderer.
 */
export async function renderedHtmlOf(views: readonly CommentView[], db: Db = getDb()): Promise<Record<string, string>> {
  const shown = views.filter((view) => view.body !== null);
  if (shown.length === 0) return {};
  const rows = await db.comment.findMany({ where: { id: { in: shown.map((view) => view.id) } }, select: { id: true, body: true, bodyHtml: true, renderVersion: true } });
  return htmlOfRows(rows, new Set(shown.map((view) => view.id)));
}

function htmlOfRows(rows: readonly { id: string; body: string; bodyHtml: string; renderVersion: number }[], shown: ReadonlySet<string>): Record<string, string> {
  const html: Record<string, string> = {};
  for (const row of rows) {
    if (shown.has(row.id)) html[row.id] = row.renderVersion === COMMENT_RENDER_VERSION ? row.bodyHtml : renderCommentMarkdown(row.body);
  }
  return html;
}
