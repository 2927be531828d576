import { describe, expect, it } from "vitest";
import {
  CHANGED_MIND_WINDOW_MS,
  COMMENT_MAX_LENGTH,
  MAX_SHOWN_DEPTH,
  commentBodySchema,
  commentsReadWithin,
  editCommentSchema,
  isChangedMind,
  largestMovePoints,
  newCommentSchema,
  parseCommentSort,
  threadOrder,
  voteSchema,
} from "./comment";

/** The messages a failed parse carries, by field ("" for the value itself). */
function messagesOf(result: { success: boolean; error?: { issues: { path: (string | number)[]; message: string }[] } }) {
  expect(result.success).toBe(false);
  const messages: Record<string, string[]> = {};
  for (const issue of result.error!.issues) (messages[issue.path.join(".")] ??= []).push(issue.message);
  return messages;
}

describe("what a comment may be", () => {
  it("refuses an empty or whitespace-only body with the same message", () => {
    for (const body of ["", " ", "\n\t  \n"]) {
      expect(messagesOf(newCommentSchema.safeParse({ body }))).toEqual({ body: ["Write a comment first"] });
    }
    expect(messagesOf(newCommentSchema.safeParse({}))).toEqual({ body: ["Write a comment first"] });
    expect(messagesOf(newCommentSchema.safeParse({ body: 42 }))).toEqual({ body: ["The comment must be text"] });
  });

  it("takes 10 000 characters and refuses 10 001 with a message naming the limit", () => {
    expect(COMMENT_MAX_LENGTH).toBe(10_000);
    const longest = "x".repeat(10_000);
    expect(newCommentSchema.safeParse({ body: longest })).toEqual({ success: true, data: { body: longest } });
    expect(messagesOf(newCommentSchema.safeParse({ body: "x".repeat(10_001) }))).toEqual({
      body: ["A comment can be at most 10,000 characters (this one has 10,001)"],
    });
    // The length counts what was typed, spaces included: 10 001 characters with a blank one is too long.
    expect(commentBodySchema.safeParse(` ${longest}`).success).toBe(false);
  });

  it("keeps the body exactly as typed: leading spaces (markdown code), trailing newlines", () => {
    const body = "    indented code\n\n> quote  \n";
    expect(newCommentSchema.parse({ body })).toEqual({ body });
    expect(editCommentSchema.parse({ commentId: "c1", body })).toEqual({ commentId: "c1", body });
  });

  it("treats empty optional fields as absent, and refuses a stance without a scenario", () => {
    expect(newCommentSchema.parse({ body: "Hi", parentId: "", scenarioId: "", stance: "" })).toEqual({ body: "Hi" });
    expect(newCommentSchema.parse({ body: "Hi", scenarioId: "s1", stance: "against" })).toEqual({ body: "Hi", scenarioId: "s1", stance: "against" });
    expect(messagesOf(newCommentSchema.safeParse({ body: "Hi", stance: "for" }))).toEqual({ stance: ["Pick the scenario you argue for or against"] });
    expect(messagesOf(newCommentSchema.safeParse({ body: "Hi", scenarioId: "s1", stance: "maybe" }))).toEqual({ stance: ["The stance must be “for” or “against”"] });
  });

  it("refuses ids that are not ids", () => {
    expect(messagesOf(newCommentSchema.safeParse({ body: "Hi", parentId: "a b" }))).toEqual({ parentId: ["That is not a comment you reply to id"] });
    expect(messagesOf(newCommentSchema.safeParse({ body: "Hi", scenarioId: "x".repeat(65) }))).toEqual({ scenarioId: ["That is not a scenario id"] });
  });

  it("takes votes of 1, -1 and 0 as numbers and refuses anything else", () => {
    expect(voteSchema.parse({ commentId: "c1", value: "1" })).toEqual({ commentId: "c1", value: 1 });
    expect(voteSchema.parse({ commentId: "c1", value: "-1" })).toEqual({ commentId: "c1", value: -1 });
    expect(voteSchema.parse({ commentId: "c1", value: "0" })).toEqual({ commentId: "c1", value: 0 });
    for (const value of ["2", "+1", "up", "", undefined]) {
      expect(messagesOf(voteSchema.safeParse({ commentId: "c1", value }))).toEqual({ value: ["A vote is up (1), down (-1) or none (0)"] });
    }
    expect(messagesOf(voteSchema.safeParse({ value: "1" }))).toEqual({ commentId: ["Say which comment"] });
  });

  it("sorts newest first unless told otherwise", () => {
    expect(parseCommentSort("top")).toBe("top");
    expect(parseCommentSort("oldest")).toBe("oldest");
    expect(parseCommentSort("best")).toBe("newest");
    expect(parseCommentSort(null)).toBe("newest");
  });
});

describe("a changed mind", () => {
  it("measures the largest move of any scenario in percentage points", () => {
    expect(largestMovePoints([0.45, 0.4, 0.15], [0.45, 0.3, 0.25])).toBeCloseTo(10, 9);
    expect(largestMovePoints([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });

  it("counts a 5-point move (45 % → 50 %) despite floating-point error, not 4.9 points", () => {
    // 0.5 - 0.45 and 0.15 - 0.1 are both 0.04999999999999999 in floating point.
    expect(largestMovePoints([0.45, 0.4, 0.15], [0.5, 0.4, 0.1])).toBeLessThan(5);
    expect(isChangedMind([0.45, 0.4, 0.15], [0.5, 0.4, 0.1])).toBe(true);
    expect(isChangedMind([0.45, 0.4, 0.15], [0.499, 0.4, 0.101])).toBe(false);
    expect(isChangedMind([0.45, 0.55], [0.5, 0.5])).toBe(true);
    expect(isChangedMind([0.45, 0.55], [0.499, 0.501])).toBe(false);
    expect(isChangedMind([0.5, 0.5], [0.45, 0.55])).toBe(true);
    expect(isChangedMind([0.2, 0.3, 0.5], [0.2, 0.36, 0.44])).toBe(true);
  });

  it("never counts a first forecast", () => {
    expect(isChangedMind(null, [0.9, 0.1])).toBe(false);
    expect(isChangedMind(null, [0, 1])).toBe(false);
  });
});

describe("comments read before a save", () => {
  const now = 1_700_000_000_000;

  it("keeps readings from exactly 30 minutes ago up to now, and none from the future", () => {
    const readings = [
      { commentId: "edge", at: now - CHANGED_MIND_WINDOW_MS },
      { commentId: "too-old", at: now - CHANGED_MIND_WINDOW_MS - 1 },
      { commentId: "now", at: now },
      { commentId: "future", at: now + 1 },
    ];
    expect(commentsReadWithin(readings, now)).toEqual(["now", "edge"]);
  });

  it("lists each comment once, newest reading first", () => {
    const readings = [
      { commentId: "a", at: now - 10_000 },
      { commentId: "b", at: now - 5_000 },
      { commentId: "a", at: now - 1_000 },
      { commentId: "c", at: now - 20_000 },
      { commentId: "b", at: now - 30_000 },
    ];
    expect(commentsReadWithin(readings, now)).toEqual(["a", "b", "c"]);
    // The input is left as it was.
    expect(readings[0]).toEqual({ commentId: "a", at: now - 10_000 });
  });

  it("is empty without readings", () => {
    expect(commentsReadWithin([], now)).toEqual([]);
  });
});

describe("thread order", () => {
  let clock = 0;
  const at = () => new Date(Date.UTC(2026, 0, 1) + ++clock * 1_000).toISOString();
  const comment = (id: string, parentId: string | null = null, rootId: string | null = null, createdAt = at()) => ({ id, parentId, rootId, createdAt });
  const shape = (ordered: ReturnType<typeof threadOrder>) => ordered.map(({ comment: { id }, shownDepth, replyingTo }) => [id, shownDepth, replyingTo]);

  it("puts each root first, then its replies depth-first, oldest reply first", () => {
    const r1 = comment("r1");
    const r2 = comment("r2");
    const b = comment("b", "r1", "r1");
    const a = comment("a", "r1", "r1");
    const a1 = comment("a1", "a", "r1");
    const c = comment("c", "r2", "r2");
    // Replies arrive in any order; "b" is older than "a".
    expect(shape(threadOrder([r1, r2], [c, a1, a, b]))).toEqual([
      ["r1", 0, null],
      ["b", 1, null],
      ["a", 1, null],
      ["a1", 2, null],
      ["r2", 0, null],
      ["c", 1, null],
    ]);
  });

  it("caps the shown depth at 3 and says whom a deeper reply answers", () => {
    expect(MAX_SHOWN_DEPTH).toBe(3);
    const root = comment("root");
    const d1 = comment("d1", "root", "root");
    const d2 = comment("d2", "d1", "root");
    const d3 = comment("d3", "d2", "root");
    const d4 = comment("d4", "d3", "root");
    const d5 = comment("d5", "d4", "root");
    const sibling = comment("d3b", "d2", "root");
    expect(shape(threadOrder([root], [d5, d4, d3, d2, d1, sibling]))).toEqual([
      ["root", 0, null],
      ["d1", 1, null],
      ["d2", 2, null],
      ["d3", 3, null],
      ["d4", 3, "d3"],
      ["d5", 3, "d4"],
      ["d3b", 3, null],
    ]);
  });

  it("shows replies whose parent is missing under their root, saying whom they answered", () => {
    const root = comment("root");
    const kept = comment("kept", "root", "root");
    const orphan = comment("orphan", "gone", "root");
    const orphanChild = comment("orphan-child", "orphan", "root");
    expect(shape(threadOrder([root], [orphanChild, orphan, kept]))).toEqual([
      ["root", 0, null],
      ["kept", 1, null],
      ["orphan", 1, "gone"],
      ["orphan-child", 2, null],
    ]);
  });

  it("breaks ties in time by id, and keeps the roots in the order given", () => {
    const time = at();
    const root = comment("root", null, null, time);
    const y = comment("y", "root", "root", time);
    const x = comment("x", "root", "root", time);
    const first = comment("first");
    expect(shape(threadOrder([first, root], [y, x]))).toEqual([
      ["first", 0, null],
      ["root", 0, null],
      ["x", 1, null],
      ["y", 1, null],
    ]);
  });
});
