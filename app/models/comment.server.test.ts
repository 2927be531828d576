// The discussion's model against real databases: SQLite (this file's own copy) and, when
// TEST_POSTGRES_URL is set, the run's PostgreSQL database, which other test files share — so
// every test makes its own article, question and users.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Role } from "~/auth/account-forms";
import { createDb, getDb, type Db } from "~/db.server";
import { CHANGED_MIND_WINDOW_MS, COMMENT_PAGE_SIZE, type CommentSort } from "~/domain/comment";
import { COMMENT_RENDER_VERSION } from "~/domain/comment-markdown";
import { makeScenarioQuestion } from "../../test/model-questions";
import { postgresSkipReason } from "../../test/test-database";
import {
  countCommentsOf,
  createComment,
  creditComments,
  deleteComment,
  editComment,
  getCommentView,
  hideComment,
  listCommentPage,
  listCommentsByUser,
  listCommentsSince,
  renderedHtmlOf,
  reportComment,
  voteOnComment,
  type CommentViewer,
} from "./comment.server";
import { saveForecast, withdrawForecast } from "./forecast.server";
import { deleteAccount } from "./user.server";

const unique = () => randomBytes(5).toString("hex");

async function makeQuestion(db: Db, options: { scenarios?: number; revealCrowd?: "always" | "after_forecast"; published?: boolean } = {}) {
  const { question, author } = await makeScenarioQuestion(db, options);
  return { ...question, author: { id: author.id, role: "author" as Role } };
}

async function makeUsers(db: Db, count: number, role: Role = "reader"): Promise<CommentViewer[]> {
  const tag = unique();
  const data = Array.from({ length: count }, (_, index) => ({
    id: `u_${tag}_${String(index).padStart(4, "0")}`,
    username: `${role}_${tag}_${index}`,
    email: `${role}_${tag}_${index}@example.com`,
    passwordHash: "x",
    role,
  }));
  await db.user.createMany({ data });
  return data.map((user) => ({ id: user.id, role }));
}

/** Every row the discussion of `questionId` owns, counted: a refused write must leave these as they were. */
const countRows = async (db: Db, questionId: string) => {
  const ofQuestion = { comment: { questionId } };
  const [comments, revisions, votes, credits, reports, hidden, deleted, scores, bodies] = await Promise.all([
    db.comment.count({ where: { questionId } }),
    db.commentRevision.count({ where: ofQuestion }),
    db.commentVote.count({ where: ofQuestion }),
    db.commentCredit.count({ where: ofQuestion }),
    db.commentReport.count({ where: ofQuestion }),
    db.comment.count({ where: { questionId, hiddenAt: { not: null } } }),
    db.comment.count({ where: { questionId, deletedAt: { not: null } } }),
    db.comment.aggregate({ where: { questionId }, _sum: { score: true } }),
    db.comment.findMany({ where: { questionId }, orderBy: { id: "asc" }, select: { id: true, body: true, editedAt: true } }),
  ]);
  return { comments, revisions, votes, credits, reports, hidden, deleted, score: scores._sum.score ?? 0, bodies };
};

const everyone = (viewer: CommentViewer | null) => ({ viewer, showForecasts: true });

/** Creates a comment that must be accepted, returning its id. */
async function post(db: Db, input: Parameters<typeof createComment>[0]) {
  const outcome = await createComment(input, db);
  if (!outcome.ok) throw new Error(`comment refused: ${outcome.code}`);
  return outcome.value.id;
}

async function forecast(db: Db, questionId: string, userId: string, probabilities: number[]) {
  const outcome = await saveForecast({ questionId, userId, probabilities, rationale: null }, db);
  if (!outcome.ok || !outcome.forecastId) throw new Error(`forecast refused: ${JSON.stringify(outcome)}`);
  return outcome.forecastId;
}

function describeComments(name: string, dbOf: () => Db, deleteUser: (db: Db, userId: string) => Promise<void>) {
  describe(`comments on ${name}`, () => {
    describe("posting", () => {
      it("stores a top-level comment and replies with their thread's root and depth", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const created = await createComment({ questionId: question.id, userId: alice!.id, body: "  Leading spaces stay\n" }, db);
        expect(created).toMatchObject({ ok: true, value: { question: { id: question.id, revealCrowd: "always" } } });
        const top = created.ok ? created.value.id : "";
        const reply = await post(db, { questionId: question.id, userId: bob!.id, body: "A reply", parentId: top });
        const deeper = await post(db, { questionId: question.id, userId: alice!.id, body: "A reply to the reply", parentId: reply });
        const rows = await db.comment.findMany({ where: { questionId: question.id }, select: { id: true, parentId: true, rootId: true, depth: true, body: true } });
        expect(rows.sort((a, b) => a.depth - b.depth)).toEqual([
          { id: top, parentId: null, rootId: null, depth: 0, body: "  Leading spaces stay\n" },
          { id: reply, parentId: top, rootId: top, depth: 1, body: "A reply" },
          { id: deeper, parentId: reply, rootId: top, depth: 2, body: "A reply to the reply" },
        ]);
        const view = await getCommentView(deeper, everyone(null), db);
        expect(view).toMatchObject({ id: deeper, parentId: reply, rootId: top, state: "visible", body: "A reply to the reply", score: 0, myVote: 0, mine: false });
        expect((await getCommentView(deeper, everyone(alice!), db))?.mine).toBe(true);
      });

      it("keeps a scenario and stance, and drops a stance that comes without a scenario", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice] = await makeUsers(db, 1);
        const scenarioId = question.scenarios[1]!.id;
        const argued = await post(db, { questionId: question.id, userId: alice!.id, body: "Against", scenarioId, stance: "against" });
        expect(await getCommentView(argued, everyone(null), db)).toMatchObject({ scenarioId, stance: "against" });
        const loose = await post(db, { questionId: question.id, userId: alice!.id, body: "No scenario", stance: "for" });
        expect(await getCommentView(loose, everyone(null), db)).toMatchObject({ scenarioId: null, stance: null });
      });

      it("links the forecast standing when posting, and shows the standing one after an update", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const first = await forecast(db, question.id, alice!.id, [0.6, 0.3, 0.1]);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Where I stand" });
        expect((await db.comment.findUniqueOrThrow({ where: { id: comment } })).forecastId).toBe(first);
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ forecastAtPosting: [0.6, 0.3, 0.1], currentForecast: [0.6, 0.3, 0.1] });

        await forecast(db, question.id, alice!.id, [0.5, 0.3, 0.2]);
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ forecastAtPosting: [0.6, 0.3, 0.1], currentForecast: [0.5, 0.3, 0.2] });
        // A comment posted after the update links the new one.
        const later = await post(db, { questionId: question.id, userId: alice!.id, body: "Moved" });
        expect(await getCommentView(later, everyone(null), db)).toMatchObject({ forecastAtPosting: [0.5, 0.3, 0.2], currentForecast: [0.5, 0.3, 0.2] });

        const noForecast = await post(db, { questionId: question.id, userId: bob!.id, body: "No forecast yet" });
        expect(await getCommentView(noForecast, everyone(null), db)).toMatchObject({ forecastAtPosting: null, currentForecast: null });
      });

      it("does not show a withdrawn forecast as the current one", async () => {
        const db = dbOf();
        const question = await makeQuestion(db, { scenarios: 2 });
        const [alice] = await makeUsers(db, 1);
        await forecast(db, question.id, alice!.id, [0.7, 0.3]);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Before withdrawing" });
        expect(await withdrawForecast({ questionId: question.id, userId: alice!.id }, db)).toMatchObject({ ok: true });
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ forecastAtPosting: [0.7, 0.3], currentForecast: null });
        const afterWithdrawal = await post(db, { questionId: question.id, userId: alice!.id, body: "After withdrawing" });
        expect(await getCommentView(afterWithdrawal, everyone(null), db)).toMatchObject({ forecastAtPosting: null, currentForecast: null });
      });

      it("refuses replies to another question's comment, to deleted or hidden ones, unknown parents and foreign scenarios, writing nothing", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const other = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const elsewhere = await post(db, { questionId: other.id, userId: bob!.id, body: "On the other question" });
        const deleted = await post(db, { questionId: question.id, userId: bob!.id, body: "Soon deleted" });
        const hidden = await post(db, { questionId: question.id, userId: bob!.id, body: "Soon hidden" });
        expect(await deleteComment({ questionId: question.id, commentId: deleted, userId: bob!.id }, db)).toMatchObject({ ok: true });
        expect(await hideComment({ questionId: question.id, commentId: hidden, moderator: question.author, reason: "Off topic" }, db)).toMatchObject({ ok: true });

        const before = await countRows(db, question.id);
        const beforeOther = await countRows(db, other.id);
        const attempts: [Parameters<typeof createComment>[0], string][] = [
          [{ questionId: question.id, userId: alice!.id, body: "Reply", parentId: elsewhere }, "parent_elsewhere"],
          [{ questionId: question.id, userId: alice!.id, body: "Reply", parentId: deleted }, "parent_unavailable"],
          [{ questionId: question.id, userId: alice!.id, body: "Reply", parentId: hidden }, "parent_unavailable"],
          [{ questionId: question.id, userId: alice!.id, body: "Reply", parentId: "no-such-comment" }, "comment_not_found"],
          [{ questionId: question.id, userId: alice!.id, body: "About", scenarioId: other.scenarios[0]!.id, stance: "for" }, "scenario_elsewhere"],
          [{ questionId: "no-such-question", userId: alice!.id, body: "Nowhere" }, "question_not_found"],
        ];
        for (const [input, code] of attempts) {
          const outcome = await createComment(input, db);
          expect(outcome).toMatchObject({ ok: false, code });
          expect(outcome.ok || outcome.message.length > 10).toBe(true);
        }
        expect(await countRows(db, question.id)).toEqual(before);
        expect(await countRows(db, other.id)).toEqual(beforeOther);
      });

      it("refuses comments on an unpublished article's question", async () => {
        const db = dbOf();
        const draft = await makeQuestion(db, { published: false });
        const [alice] = await makeUsers(db, 1);
        expect(await createComment({ questionId: draft.id, userId: alice!.id, body: "Early" }, db)).toMatchObject({ ok: false, code: "question_not_found" });
        expect((await countRows(db, draft.id)).comments).toBe(0);
      });
    });

    describe("editing and deleting", () => {
      it("edits only one's own comment, keeping each previous version and setting editedAt", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const other = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const postedAt = new Date(Date.now() - 60_000);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "First version", now: postedAt });

        const before = await countRows(db, question.id);
        expect(await editComment({ questionId: question.id, commentId: comment, userId: bob!.id, body: "Vandalised" }, db)).toMatchObject({ ok: false, code: "not_yours" });
        expect(await editComment({ questionId: other.id, commentId: comment, userId: alice!.id, body: "Via another question" }, db)).toMatchObject({
          ok: false,
          code: "comment_not_found",
        });
        expect(await countRows(db, question.id)).toEqual(before);

        const firstEdit = new Date(postedAt.getTime() + 10_000);
        expect(await editComment({ questionId: question.id, commentId: comment, userId: alice!.id, body: "Second version", now: firstEdit }, db)).toMatchObject({
          ok: true,
          value: { id: comment },
        });
        const secondEdit = new Date(postedAt.getTime() + 20_000);
        expect(await editComment({ questionId: question.id, commentId: comment, userId: alice!.id, body: "Third version", now: secondEdit }, db)).toMatchObject({ ok: true });
        const view = await getCommentView(comment, everyone(null), db);
        expect(view).toMatchObject({ body: "Third version", editedAt: secondEdit.toISOString(), createdAt: postedAt.toISOString() });
        expect(view?.revisions).toEqual([
          { body: "First version", at: postedAt.toISOString() },
          { body: "Second version", at: firstEdit.toISOString() },
        ]);

        // Saving the same text again is not a new version.
        const unchanged = await countRows(db, question.id);
        expect(await editComment({ questionId: question.id, commentId: comment, userId: alice!.id, body: "Third version" }, db)).toMatchObject({ ok: true });
        expect(await countRows(db, question.id)).toEqual(unchanged);
      });

      it("refuses to edit a deleted or hidden comment", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice] = await makeUsers(db, 1);
        const deleted = await post(db, { questionId: question.id, userId: alice!.id, body: "Deleted" });
        const hidden = await post(db, { questionId: question.id, userId: alice!.id, body: "Hidden" });
        await deleteComment({ questionId: question.id, commentId: deleted, userId: alice!.id }, db);
        await hideComment({ questionId: question.id, commentId: hidden, moderator: question.author, reason: "Rude" }, db);
        const before = await countRows(db, question.id);
        for (const commentId of [deleted, hidden]) {
          expect(await editComment({ questionId: question.id, commentId, userId: alice!.id, body: "Back again" }, db)).toMatchObject({ ok: false, code: "unavailable" });
        }
        expect(await countRows(db, question.id)).toEqual(before);
      });

      it("deletes one's own comment: a placeholder while it has replies, gone from the page when it has none", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const withReplies = await post(db, { questionId: question.id, userId: alice!.id, body: "Has replies", now: new Date(Date.now() - 3_000) });
        const reply = await post(db, { questionId: question.id, userId: bob!.id, body: "Reply to it", parentId: withReplies, now: new Date(Date.now() - 2_500) });
        const lonely = await post(db, { questionId: question.id, userId: alice!.id, body: "No replies", now: new Date(Date.now() - 2_000) });
        const deletedReply = await post(db, { questionId: question.id, userId: bob!.id, body: "Reply soon deleted", parentId: withReplies, now: new Date(Date.now() - 1_000) });

        const before = await countRows(db, question.id);
        expect(await deleteComment({ questionId: question.id, commentId: lonely, userId: bob!.id }, db)).toMatchObject({ ok: false, code: "not_yours" });
        expect(await countRows(db, question.id)).toEqual(before);

        for (const [commentId, userId] of [
          [withReplies, alice!.id],
          [lonely, alice!.id],
          [deletedReply, bob!.id],
        ] as const) {
          expect(await deleteComment({ questionId: question.id, commentId, userId }, db)).toMatchObject({ ok: true, value: { id: commentId } });
        }
        // Deleting again changes nothing.
        const deletedRows = await countRows(db, question.id);
        expect(await deleteComment({ questionId: question.id, commentId: lonely, userId: alice!.id }, db)).toMatchObject({ ok: true });
        expect(await countRows(db, question.id)).toEqual(deletedRows);

        const page = await listCommentPage({ questionId: question.id, sort: "newest" }, everyone(alice!), db);
        expect(page.roots.map((root) => root.id)).toEqual([withReplies]);
        expect(page.roots[0]).toMatchObject({ state: "deleted", body: null, editedAt: null, revisions: [], forecastAtPosting: null });
        expect(page.replies.map((view) => [view.id, view.state, view.body])).toEqual([[reply, "visible", "Reply to it"]]);
        expect(page.total).toBe(1);
        // The rows stay (the replies need their parent); only the text is gone from every view.
        expect(await db.comment.count({ where: { questionId: question.id } })).toBe(4);
        expect(await getCommentView(lonely, everyone(alice!), db)).toMatchObject({ state: "deleted", body: null });
      });
    });

    describe("votes", () => {
      it("refuses a vote on one's own comment, writing nothing", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice] = await makeUsers(db, 1);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Mine" });
        const before = await countRows(db, question.id);
        expect(await voteOnComment({ questionId: question.id, commentId: comment, userId: alice!.id, value: 1 }, db)).toMatchObject({ ok: false, code: "own_comment" });
        expect(await countRows(db, question.id)).toEqual(before);
      });

      it("changes a vote +1 → -1 → 0, moving the score 1 → -1 → 0 with one vote row at most", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob, carol] = await makeUsers(db, 3);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Vote on me" });
        const votes = () => db.commentVote.findMany({ where: { commentId: comment }, select: { userId: true, value: true } });
        const vote = (userId: string, value: number) => voteOnComment({ questionId: question.id, commentId: comment, userId, value }, db);

        expect(await vote(bob!.id, 1)).toEqual({ ok: true, value: { score: 1, myVote: 1 } });
        expect(await votes()).toEqual([{ userId: bob!.id, value: 1 }]);
        // The same vote twice counts once.
        expect(await vote(bob!.id, 1)).toEqual({ ok: true, value: { score: 1, myVote: 1 } });
        expect(await votes()).toEqual([{ userId: bob!.id, value: 1 }]);
        expect(await vote(bob!.id, -1)).toEqual({ ok: true, value: { score: -1, myVote: -1 } });
        expect(await votes()).toEqual([{ userId: bob!.id, value: -1 }]);
        expect(await getCommentView(comment, everyone(bob!), db)).toMatchObject({ score: -1, myVote: -1 });
        expect(await getCommentView(comment, everyone(carol!), db)).toMatchObject({ score: -1, myVote: 0 });
        expect(await vote(bob!.id, 0)).toEqual({ ok: true, value: { score: 0, myVote: 0 } });
        expect(await votes()).toEqual([]);
        expect(await vote(bob!.id, 0)).toEqual({ ok: true, value: { score: 0, myVote: 0 } });

        expect(await vote(bob!.id, 1)).toMatchObject({ ok: true, value: { score: 1 } });
        expect(await vote(carol!.id, 1)).toMatchObject({ ok: true, value: { score: 2 } });
        expect((await db.comment.findUniqueOrThrow({ where: { id: comment } })).score).toBe(2);
        expect(await db.commentVote.count({ where: { commentId: comment } })).toBe(2);
      });

      it("keeps the score the sum of the votes when one reader's votes (a double click) and others' arrive at once", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, ...voters] = await makeUsers(db, 5);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Popular" });
        const vote = (userId: string, value: number) => voteOnComment({ questionId: question.id, commentId: comment, userId, value }, db);
        const outcomes = await Promise.all([...Array.from({ length: 8 }, () => vote(voters[0]!.id, 1)), ...voters.slice(1).map((voter) => vote(voter.id, -1))]);
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
        const rows = await db.commentVote.findMany({ where: { commentId: comment } });
        expect(rows).toHaveLength(4);
        const { score } = await db.comment.findUniqueOrThrow({ where: { id: comment } });
        expect(score).toBe(rows.reduce((sum, row) => sum + row.value, 0));
        expect(score).toBe(1 - 3);
      });

      it("refuses votes on deleted and hidden comments and on other questions' comments", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const other = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const deleted = await post(db, { questionId: question.id, userId: alice!.id, body: "Deleted" });
        const hidden = await post(db, { questionId: question.id, userId: alice!.id, body: "Hidden" });
        await deleteComment({ questionId: question.id, commentId: deleted, userId: alice!.id }, db);
        await hideComment({ questionId: question.id, commentId: hidden, moderator: question.author, reason: "Spam" }, db);
        const before = await countRows(db, question.id);
        expect(await voteOnComment({ questionId: question.id, commentId: deleted, userId: bob!.id, value: 1 }, db)).toMatchObject({ ok: false, code: "unavailable" });
        expect(await voteOnComment({ questionId: question.id, commentId: hidden, userId: bob!.id, value: -1 }, db)).toMatchObject({ ok: false, code: "unavailable" });
        expect(await voteOnComment({ questionId: other.id, commentId: hidden, userId: bob!.id, value: 1 }, db)).toMatchObject({ ok: false, code: "comment_not_found" });
        expect(await countRows(db, question.id)).toEqual(before);
      });
    });

    describe("moderation", () => {
      it("lets only the article's author or an admin hide a comment, and shows the reason only to its author and moderators", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const [otherAuthor] = await makeUsers(db, 1, "author");
        const [admin] = await makeUsers(db, 1, "admin");
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Questionable" });
        const secondComment = await post(db, { questionId: question.id, userId: alice!.id, body: "Also questionable" });

        const before = await countRows(db, question.id);
        for (const moderator of [bob!, otherAuthor!, alice!]) {
          expect(await hideComment({ questionId: question.id, commentId: comment, moderator, reason: "Not allowed" }, db)).toMatchObject({ ok: false, code: "not_allowed" });
        }
        expect(await countRows(db, question.id)).toEqual(before);

        expect(await hideComment({ questionId: question.id, commentId: comment, moderator: question.author, reason: "Personal attack" }, db)).toMatchObject({
          ok: true,
          value: { id: comment },
        });
        expect(await hideComment({ questionId: question.id, commentId: secondComment, moderator: admin!, reason: "Spam link" }, db)).toMatchObject({ ok: true });
        const row = await db.comment.findUniqueOrThrow({ where: { id: comment } });
        expect(row).toMatchObject({ hiddenReason: "Personal attack", hiddenById: question.author.id, body: "Questionable" });
        expect(row.hiddenAt).not.toBeNull();
        // Hiding again would rewrite the reason its author was told.
        expect(await hideComment({ questionId: question.id, commentId: comment, moderator: admin!, reason: "Another reason" }, db)).toMatchObject({ ok: false, code: "unavailable" });
        expect((await db.comment.findUniqueOrThrow({ where: { id: comment } })).hiddenReason).toBe("Personal attack");

        for (const viewer of [alice!, question.author, admin!]) {
          expect(await getCommentView(comment, everyone(viewer), db)).toMatchObject({ state: "hidden", body: "Questionable", hiddenReason: "Personal attack" });
        }
        for (const viewer of [bob!, otherAuthor!, null]) {
          expect(await getCommentView(comment, everyone(viewer), db)).toMatchObject({ state: "hidden", body: null, hiddenReason: null, revisions: [] });
        }
        expect(await getCommentView(secondComment, everyone(alice!), db)).toMatchObject({ hiddenReason: "Spam link" });
        // A hidden comment is left out of its author's public profile.
        expect(await listCommentsByUser(alice!.id, 50, db)).toEqual([]);
      });

      it("takes one report per reader, none from the comment's author, and counts them for moderators only", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob, carol] = await makeUsers(db, 3);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Reported" });
        const report = (userId: string) => reportComment({ questionId: question.id, commentId: comment, userId, reason: "Misleading" }, db);

        expect(await report(bob!.id)).toEqual({ ok: true, value: null });
        const once = await countRows(db, question.id);
        expect(once.reports).toBe(1);
        expect(await report(bob!.id)).toMatchObject({ ok: false, code: "already_reported" });
        expect(await report(alice!.id)).toMatchObject({ ok: false, code: "own_comment" });
        expect(await countRows(db, question.id)).toEqual(once);
        expect(await report(carol!.id)).toMatchObject({ ok: true });

        expect((await getCommentView(comment, everyone(question.author), db))?.reportCount).toBe(2);
        for (const viewer of [alice!, bob!, null]) expect((await getCommentView(comment, everyone(viewer), db))?.reportCount).toBe(0);
      });
    });

    describe("changed my mind", () => {
      it("accepts a credit for a save that moved 5 points or more, once per comment, and counts it", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob, carol] = await makeUsers(db, 3);
        const persuasive = await post(db, { questionId: question.id, userId: alice!.id, body: "Consider this" });
        const alsoGood = await post(db, { questionId: question.id, userId: carol!.id, body: "And this" });
        await forecast(db, question.id, bob!.id, [0.6, 0.3, 0.1]);
        const moved = await forecast(db, question.id, bob!.id, [0.55, 0.3, 0.15]);

        expect(await creditComments({ questionId: question.id, userId: bob!.id, forecastId: moved, commentIds: [persuasive] }, db)).toEqual({
          ok: true,
          value: { credited: [persuasive] },
        });
        expect(await getCommentView(persuasive, everyone(null), db)).toMatchObject({ movedCount: 1 });
        const once = await countRows(db, question.id);
        // The same comment again is a no-op; a new one alongside it is credited.
        expect(await creditComments({ questionId: question.id, userId: bob!.id, forecastId: moved, commentIds: [persuasive] }, db)).toEqual({ ok: true, value: { credited: [] } });
        expect(await countRows(db, question.id)).toEqual(once);
        expect(await creditComments({ questionId: question.id, userId: bob!.id, forecastId: moved, commentIds: [persuasive, alsoGood, alsoGood] }, db)).toEqual({
          ok: true,
          value: { credited: [alsoGood] },
        });
        expect(await getCommentView(persuasive, everyone(null), db)).toMatchObject({ movedCount: 1 });
        expect(await getCommentView(alsoGood, everyone(null), db)).toMatchObject({ movedCount: 1 });
        expect(await db.commentCredit.findMany({ where: { commentId: persuasive }, select: { userId: true, forecastId: true } })).toEqual([{ userId: bob!.id, forecastId: moved }]);
      });

      it("refuses a move under 5 points, a first forecast, a save older than 30 minutes, one's own comment and someone else's forecast, writing nothing", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const other = await makeQuestion(db);
        const [alice, bob, carol, dave] = await makeUsers(db, 4);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Read me" });
        const elsewhere = await post(db, { questionId: other.id, userId: alice!.id, body: "Elsewhere" });

        await forecast(db, question.id, bob!.id, [0.6, 0.3, 0.1]);
        const small = await forecast(db, question.id, bob!.id, [0.56, 0.34, 0.1]);
        const firstOnly = await forecast(db, question.id, carol!.id, [0.2, 0.2, 0.6]);
        await forecast(db, question.id, alice!.id, [0.2, 0.5, 0.3]);
        const aliceMoved = await forecast(db, question.id, alice!.id, [0.5, 0.2, 0.3]);
        await forecast(db, question.id, dave!.id, [0.1, 0.1, 0.8]);
        const daveMoved = await forecast(db, question.id, dave!.id, [0.4, 0.1, 0.5]);
        const daveSavedAt = (await db.forecast.findUniqueOrThrow({ where: { id: daveMoved } })).createdAt.getTime();

        const before = await countRows(db, question.id);
        const credit = (userId: string, forecastId: string, commentIds: string[], now?: Date) => creditComments({ questionId: question.id, userId, forecastId, commentIds, now }, db);
        expect(await credit(bob!.id, small, [comment])).toMatchObject({ ok: false, code: "forecast_not_eligible", message: expect.stringMatching(/did not move far enough/) });
        expect(await credit(carol!.id, firstOnly, [comment])).toMatchObject({ ok: false, code: "forecast_not_eligible" });
        expect(await credit(dave!.id, daveMoved, [comment], new Date(daveSavedAt + CHANGED_MIND_WINDOW_MS + 1))).toMatchObject({
          ok: false,
          code: "forecast_not_eligible",
          message: expect.stringMatching(/too long ago/),
        });
        expect(await credit(alice!.id, aliceMoved, [comment])).toMatchObject({ ok: false, code: "own_comment" });
        expect(await credit(bob!.id, daveMoved, [comment])).toMatchObject({ ok: false, code: "forecast_not_eligible" });
        expect(await credit(dave!.id, daveMoved, [elsewhere])).toMatchObject({ ok: false, code: "parent_elsewhere" });
        expect(await credit(dave!.id, daveMoved, [comment, "no-such-comment"])).toMatchObject({ ok: false, code: "comment_not_found" });
        expect(await countRows(db, question.id)).toEqual(before);
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ movedCount: 0 });

        // Exactly 30 minutes after the save still counts.
        expect(await credit(dave!.id, daveMoved, [comment], new Date(daveSavedAt + CHANGED_MIND_WINDOW_MS))).toEqual({ ok: true, value: { credited: [comment] } });
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ movedCount: 1 });
      });
    });

    describe("reading", () => {
      const THREADS = COMMENT_PAGE_SIZE + 5;
      /** A page and five more top-level comments, a second apart (some sharing a time, to page through ties), oldest first. */
      async function manyComments(db: Db, questionId: string, userId: string) {
        const start = Date.now() - 3_600_000;
        const ids: string[] = [];
        for (let index = 0; index < THREADS; index++) {
          // Pairs share a timestamp: the id breaks the tie, on every page boundary too.
          ids.push(await post(db, { questionId, userId, body: `Comment ${index}`, now: new Date(start + Math.floor(index / 2) * 1_000) }));
        }
        return ids;
      }

      async function allPages(db: Db, questionId: string, sort: CommentSort, viewer: CommentViewer | null = null) {
        const pages = [];
        let after: string | null = null;
        do {
          const page = await listCommentPage({ questionId, sort, after }, everyone(viewer), db);
          pages.push(page);
          after = page.nextCursor;
        } while (after && pages.length < 10);
        return pages;
      }

      it("pages a page and five more threads as two pages, without duplicates, newest or oldest first", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const ids = await manyComments(db, question.id, alice!.id);
        const reply = await post(db, { questionId: question.id, userId: bob!.id, body: "Reply to the newest", parentId: ids.at(-1) });
        const oldReply = await post(db, { questionId: question.id, userId: bob!.id, body: "Reply to the oldest", parentId: ids[0] });
        const created = await db.comment.findMany({ where: { questionId: question.id, parentId: null }, select: { id: true, createdAt: true } });
        const time = new Map(created.map((row) => [row.id, row.createdAt.getTime()]));

        const newest = await allPages(db, question.id, "newest");
        expect(newest.map((page) => [page.roots.length, page.nextCursor === null])).toEqual([
          [COMMENT_PAGE_SIZE, false],
          [5, true],
        ]);
        expect(newest[0]!.nextCursor).toBe(newest[0]!.roots.at(-1)!.id);
        expect(newest[0]!.total).toBe(THREADS + 2);
        const newestIds = newest.flatMap((page) => page.roots.map((root) => root.id));
        expect(new Set(newestIds).size).toBe(THREADS);
        expect([...newestIds].sort()).toEqual([...ids].sort());
        const newestTimes = newestIds.map((id) => time.get(id)!);
        expect(newestTimes).toEqual([...newestTimes].sort((a, b) => b - a));
        // Each page carries the replies of its own threads only.
        expect(newest[0]!.replies.map((view) => view.id)).toEqual([reply]);
        expect(newest[1]!.replies.map((view) => view.id)).toEqual([oldReply]);

        const oldest = await allPages(db, question.id, "oldest");
        expect(oldest.map((page) => page.roots.length)).toEqual([COMMENT_PAGE_SIZE, 5]);
        const oldestIds = oldest.flatMap((page) => page.roots.map((root) => root.id));
        expect(oldestIds).toEqual([...newestIds].reverse());
        expect(oldest[0]!.replies.map((view) => view.id)).toEqual([oldReply]);
        // Either order names the question's newest comment (the two replies, posted last), where catching up starts.
        expect([reply, oldReply]).toContain(newest[0]!.newest?.id);
        expect(oldest[0]!.newest).toEqual(newest[0]!.newest);
      });

      it("sorts by score for top, paging through equal scores without duplicates", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice] = await makeUsers(db, 1);
        const voters = await makeUsers(db, 3);
        const ids = await manyComments(db, question.id, alice!.id);
        const scoreOf = new Map<string, number>();
        // Comment 2 gets +3, comment 5 +2, comment 8 +1 and comment 12 -1; the rest stay at 0.
        for (const [index, score] of [[2, 3], [5, 2], [8, 1], [12, -1]] as const) {
          for (let voter = 0; voter < Math.abs(score); voter++) {
            await voteOnComment({ questionId: question.id, commentId: ids[index]!, userId: voters[voter]!.id, value: Math.sign(score) }, db);
          }
          scoreOf.set(ids[index]!, score);
        }
        const pages = await allPages(db, question.id, "top", voters[0]!);
        expect(pages.map((page) => page.roots.length)).toEqual([COMMENT_PAGE_SIZE, 5]);
        const roots = pages.flatMap((page) => page.roots);
        expect(new Set(roots.map((root) => root.id)).size).toBe(THREADS);
        expect(roots.slice(0, 3).map((root) => [root.id, root.score, root.myVote])).toEqual([
          [ids[2], 3, 1],
          [ids[5], 2, 1],
          [ids[8], 1, 1],
        ]);
        expect(roots.at(-1)).toMatchObject({ id: ids[12], score: -1, myVote: -1 });
        expect(roots.map((root) => root.score)).toEqual(roots.map((root) => scoreOf.get(root.id) ?? 0));
        const scores = roots.map((root) => root.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        // Equal scores: newest first.
        const zeros = roots.filter((root) => root.score === 0).map((root) => ids.indexOf(root.id));
        expect(zeros).toEqual([...zeros].sort((a, b) => b - a));
      });

      it("filters threads by scenario", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const [first, second] = question.scenarios.map((scenario) => scenario.id);
        const forFirst = await post(db, { questionId: question.id, userId: alice!.id, body: "For the first", scenarioId: first, stance: "for", now: new Date(Date.now() - 3_000) });
        const againstFirst = await post(db, { questionId: question.id, userId: bob!.id, body: "Against the first", scenarioId: first, stance: "against", now: new Date(Date.now() - 2_000) });
        await post(db, { questionId: question.id, userId: alice!.id, body: "About the second", scenarioId: second });
        await post(db, { questionId: question.id, userId: alice!.id, body: "About nothing in particular" });
        const reply = await post(db, { questionId: question.id, userId: alice!.id, body: "Reply without a scenario", parentId: forFirst });

        const page = await listCommentPage({ questionId: question.id, sort: "newest", scenarioId: first }, everyone(null), db);
        expect(page.roots.map((root) => [root.id, root.stance])).toEqual([
          [againstFirst, "against"],
          [forFirst, "for"],
        ]);
        expect(page.replies.map((view) => view.id)).toEqual([reply]);
        expect(page.total).toBe(2);
        expect((await listCommentPage({ questionId: question.id, sort: "newest" }, everyone(null), db)).roots).toHaveLength(4);
      });

      it("stores the rendered HTML when writing, uses it when reading and renders again what an older renderer stored", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice] = await makeUsers(db, 1);
        const id = await post(db, { questionId: question.id, userId: alice!.id, body: "Plain *take*" });
        const stored = await db.comment.findUniqueOrThrow({ where: { id }, select: { bodyHtml: true, renderVersion: true } });
        expect(stored).toEqual({ bodyHtml: "<p>Plain <em>take</em></p>", renderVersion: COMMENT_RENDER_VERSION });
        const view = (await getCommentView(id, everyone(null), db))!;

        await db.comment.update({ where: { id }, data: { bodyHtml: "<p>stored</p>" } });
        expect(await renderedHtmlOf([view], db)).toEqual({ [id]: "<p>stored</p>" });
        await db.comment.update({ where: { id }, data: { renderVersion: COMMENT_RENDER_VERSION - 1 } });
        expect(await renderedHtmlOf([view], db)).toEqual({ [id]: "<p>Plain <em>take</em></p>" });

        await editComment({ questionId: question.id, commentId: id, userId: alice!.id, body: "Edited **take**" }, db);
        expect((await db.comment.findUniqueOrThrow({ where: { id } })).bodyHtml).toBe("<p>Edited <strong>take</strong></p>");
        expect(await renderedHtmlOf([{ ...view, body: null }], db)).toEqual({});
      });

      it("counts shown comments per question, replies included, deleted and hidden ones not", async () => {
        const db = dbOf();
        const [question, quiet] = [await makeQuestion(db), await makeQuestion(db)];
        const [alice, bob] = await makeUsers(db, 2);
        const root = await post(db, { questionId: question.id, userId: alice!.id, body: "Root" });
        await post(db, { questionId: question.id, userId: bob!.id, body: "Reply", parentId: root });
        const gone = await post(db, { questionId: question.id, userId: bob!.id, body: "Gone" });
        await db.comment.update({ where: { id: gone }, data: { deletedAt: new Date() } });
        const hidden = await post(db, { questionId: question.id, userId: bob!.id, body: "Hidden" });
        await db.comment.update({ where: { id: hidden }, data: { hiddenAt: new Date(), hiddenReason: "spam" } });

        expect(await countCommentsOf([question.id, quiet.id], db)).toEqual({ [question.id]: 2, [quiet.id]: 0 });
      });

      it("lists what was posted after a comment, oldest first, replies included, deleted ones left out", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const other = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        const base = Date.now() - 60_000;
        const first = await post(db, { questionId: question.id, userId: alice!.id, body: "1", now: new Date(base) });
        const second = await post(db, { questionId: question.id, userId: bob!.id, body: "2", now: new Date(base + 1_000) });
        const reply = await post(db, { questionId: question.id, userId: alice!.id, body: "2.1", parentId: second, now: new Date(base + 2_000) });
        const gone = await post(db, { questionId: question.id, userId: bob!.id, body: "deleted", now: new Date(base + 3_000) });
        const third = await post(db, { questionId: question.id, userId: bob!.id, body: "3", now: new Date(base + 4_000) });
        await post(db, { questionId: other.id, userId: bob!.id, body: "elsewhere", now: new Date(base + 5_000) });
        await deleteComment({ questionId: question.id, commentId: gone, userId: bob!.id }, db);

        const since = await listCommentsSince({ questionId: question.id, sinceId: first }, everyone(null), db);
        expect(since?.map((view) => view.id)).toEqual([second, reply, third]);
        expect((await listCommentsSince({ questionId: question.id, sinceId: second, limit: 1 }, everyone(null), db))?.map((view) => view.id)).toEqual([reply]);
        expect(await listCommentsSince({ questionId: question.id, sinceId: third }, everyone(null), db)).toEqual([]);
        expect(await listCommentsSince({ questionId: question.id, sinceId: "no-such-comment" }, everyone(null), db)).toBeNull();
        // A comment of another question is as good as unknown.
        const elsewhere = await db.comment.findFirstOrThrow({ where: { questionId: other.id } });
        expect(await listCommentsSince({ questionId: question.id, sinceId: elsewhere.id }, everyone(null), db)).toBeNull();
      });

      it("leaves the forecasts out when the viewer may not see them", async () => {
        const db = dbOf();
        const question = await makeQuestion(db, { revealCrowd: "after_forecast" });
        const [alice] = await makeUsers(db, 1);
        await forecast(db, question.id, alice!.id, [0.5, 0.25, 0.25]);
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Hidden numbers" });
        const hidden = { viewer: null, showForecasts: false };
        expect(await getCommentView(comment, hidden, db)).toMatchObject({ body: "Hidden numbers", forecastAtPosting: null, currentForecast: null });
        const page = await listCommentPage({ questionId: question.id, sort: "newest" }, hidden, db);
        expect(page.roots[0]).toMatchObject({ id: comment, forecastAtPosting: null, currentForecast: null });
        expect(await getCommentView(comment, everyone(null), db)).toMatchObject({ forecastAtPosting: [0.5, 0.25, 0.25], currentForecast: [0.5, 0.25, 0.25] });
      });

      it("shows a deleted account's comments as by a deleted user", async () => {
        const db = dbOf();
        const question = await makeQuestion(db);
        const [alice, bob] = await makeUsers(db, 2);
        await db.user.update({ where: { id: alice!.id }, data: { displayName: "Alice A." } });
        const comment = await post(db, { questionId: question.id, userId: alice!.id, body: "Before I left" });
        const byBob = await post(db, { questionId: question.id, userId: bob!.id, body: "Still here" });
        const { username } = await db.user.findUniqueOrThrow({ where: { id: alice!.id } });
        expect((await getCommentView(comment, everyone(null), db))?.author).toEqual({ username, displayName: "Alice A.", deleted: false });

        await deleteUser(db, alice!.id);
        const view = await getCommentView(comment, everyone(null), db);
        expect(view?.author).toEqual({ username: "", displayName: null, deleted: true });
        expect(view?.body).toBe("Before I left");
        expect(JSON.stringify(view)).not.toContain(username);
        const page = await listCommentPage({ questionId: question.id, sort: "oldest" }, everyone(null), db);
        expect(page.roots.map((root) => [root.id, root.author.deleted])).toEqual([
          [comment, true],
          [byBob, false],
        ]);
      });
    });
  });
}

const extraClients: Db[] = [];
afterAll(async () => {
  await Promise.all(extraClients.map((client) => client.$disconnect()));
});

// deleteAccount works on the app's own client (this file's SQLite copy).
describeComments("SQLite", () => getDb(), async (_db, userId) => deleteAccount(userId));

describe.skipIf(postgresSkipReason())("PostgreSQL", () => {
  let postgres: Db;
  beforeAll(() => {
    postgres = createDb(inject("postgresUrl") as string);
    extraClients.push(postgres);
  });
  // The same writes as deleteAccount, on the PostgreSQL client.
  describeComments("PostgreSQL", () => postgres, async (db, userId) => {
    const tombstone = `deleted_${unique()}`;
    await db.$transaction([
      db.forecast.updateMany({ where: { userId }, data: { userId: null } }),
      db.session.deleteMany({ where: { userId } }),
      db.user.update({
        where: { id: userId },
        data: { username: tombstone, email: `${tombstone}@deleted.invalid`, displayName: null, passwordHash: "!", deletedAt: new Date() },
      }),
    ]);
  });
});
