import { describe, expect, it } from "vitest";
import { plainTextOfCommentHtml, withoutOthersMarkdown, type CommentView } from "./comment";
import { discussionReducer, initialDiscussion, newestCommentId, visibleThreads, type DiscussionState } from "./discussion-state";

const QUESTION = "q1";

function comment(id: string, overrides: Partial<CommentView> = {}): CommentView {
  return {
    id,
    questionId: QUESTION,
    parentId: null,
    rootId: null,
    author: { username: "alice", displayName: null, deleted: false },
    body: `Body of ${id}`,
    state: "visible",
    hiddenReason: null,
    createdAt: `2026-12-01T10:00:${id.replace(/\D/g, "").padStart(2, "0")}.000Z`,
    editedAt: null,
    revisions: [],
    scenarioId: null,
    stance: null,
    score: 0,
    myVote: 0,
    forecastAtPosting: null,
    currentForecast: null,
    movedCount: 0,
    reportCount: 0,
    mine: false,
    ...overrides,
  };
}

const reply = (id: string, parent: string, root = parent) => comment(id, { parentId: parent, rootId: root });

function loaded(roots: CommentView[], replies: CommentView[] = [], sort: "newest" | "oldest" | "top" = "newest", scenarioId: string | null = null): DiscussionState {
  return initialDiscussion(QUESTION, sort, scenarioId, { roots, replies, nextCursor: "c1", total: roots.length + replies.length, html: Object.fromEntries([...roots, ...replies].map((item) => [item.id, `<p>${item.id}</p>`])) });
}

const shownIds = (state: DiscussionState) => visibleThreads(state).map((item) => item.comment.id);

describe("the discussion's state", () => {
  it("holds a new top-level comment behind the bar until the reader reveals it, then shows it first", () => {
    let state = loaded([comment("c2"), comment("c1")]);
    state = discussionReducer(state, { type: "arrived", comment: comment("c3") });
    expect(state.pending).toEqual(["c3"]);
    expect(shownIds(state)).toEqual(["c2", "c1"]);
    expect(state.total).toBe(3);
    state = discussionReducer(state, { type: "reveal" });
    expect(state.pending).toEqual([]);
    expect(shownIds(state)).toEqual(["c3", "c2", "c1"]);
  });

  it("puts revealed comments last when sorted oldest first", () => {
    const state = discussionReducer(discussionReducer(loaded([comment("c1"), comment("c2")], [], "oldest"), { type: "arrived", comment: comment("c3") }), { type: "reveal" });
    expect(shownIds(state)).toEqual(["c1", "c2", "c3"]);
  });

  it("holds replies to loaded threads and ignores replies to threads the page has not loaded", () => {
    let state = loaded([comment("c1")]);
    state = discussionReducer(state, { type: "arrived", comment: reply("c5", "c1") });
    state = discussionReducer(state, { type: "arrived", comment: reply("c6", "c9") });
    expect(state.pending).toEqual(["c5"]);
    state = discussionReducer(state, { type: "reveal" });
    expect(visibleThreads(state).map((item) => [item.comment.id, item.shownDepth])).toEqual([
      ["c1", 0],
      ["c5", 1],
    ]);
  });

  it("ignores new top-level comments outside the scenario filter and other questions' comments", () => {
    let state = loaded([comment("c1", { scenarioId: "s1" })], [], "newest", "s1");
    state = discussionReducer(state, { type: "arrived", comment: comment("c2", { scenarioId: "s2" }) });
    state = discussionReducer(state, { type: "arrived", comment: comment("c3", { questionId: "other" }) });
    state = discussionReducer(state, { type: "arrived", comment: comment("c4", { scenarioId: "s1" }) });
    expect(state.pending).toEqual(["c4"]);
  });

  it("shows the reader's own comment at once, and its socket copy later changes nothing but keeps it theirs", () => {
    let state = loaded([comment("c1")]);
    const own = comment("c2", { mine: true, body: "Mine" });
    state = discussionReducer(state, { type: "own", comment: own });
    expect(shownIds(state)).toEqual(["c2", "c1"]);
    expect(state.pending).toEqual([]);
    state = discussionReducer(state, { type: "arrived", comment: { ...own, mine: false } });
    expect(state.comments.c2?.mine).toBe(true);
    expect(state.pending).toEqual([]);
    expect(state.total).toBe(2);
  });

  it("replaces an edited comment in place, dropping its old HTML, and keeps the reader's vote", () => {
    let state = loaded([comment("c1", { myVote: 1, score: 1 })]);
    state = discussionReducer(state, { type: "arrived", comment: comment("c1", { body: "Edited", editedAt: "2026-12-01T11:00:00.000Z", score: 1 }) });
    expect(state.comments.c1).toMatchObject({ body: "Edited", myVote: 1 });
    expect(state.html.c1).toBeUndefined();
    state = discussionReducer(state, { type: "rendered", id: "c1", html: "<p>Edited</p>" });
    expect(state.html.c1).toBe("<p>Edited</p>");
  });

  it("turns a deleted comment into a placeholder in place", () => {
    let state = loaded([comment("c1")], [reply("c2", "c1")]);
    state = discussionReducer(state, { type: "arrived", comment: comment("c1", { state: "deleted", body: null }) });
    expect(state.comments.c1?.state).toBe("deleted");
    expect(state.html.c1).toBeUndefined();
    expect(shownIds(state)).toEqual(["c1", "c2"]);
  });

  it("keeps a hidden comment's text for its author when the public copy arrives without it", () => {
    let state = loaded([comment("c1", { mine: true })]);
    state = discussionReducer(state, { type: "arrived", comment: comment("c1", { state: "hidden", body: null }) });
    expect(state.comments.c1).toMatchObject({ state: "hidden", body: "Body of c1" });
  });

  it("appends a further page after the loaded threads, without duplicates", () => {
    let state = loaded([comment("c3"), comment("c2")]);
    state = discussionReducer(state, { type: "page-appended", page: { roots: [comment("c2"), comment("c1")], replies: [reply("c4", "c1")], nextCursor: null, total: 4, html: {} } });
    expect(shownIds(state)).toEqual(["c3", "c2", "c1", "c4"]);
    expect(state.nextCursor).toBeNull();
  });

  it("applies votes and credits, and knows the newest comment to catch up from", () => {
    let state = loaded([comment("c1"), comment("c7")]);
    state = discussionReducer(state, { type: "voted", commentId: "c1", score: 4, myVote: -1 });
    state = discussionReducer(state, { type: "credited", commentIds: ["c1", "missing"] });
    expect(state.comments.c1).toMatchObject({ score: 4, myVote: -1, movedCount: 1 });
    expect(newestCommentId(state)).toBe("c7");
    expect(newestCommentId(loaded([]))).toBeNull();
  });
});

describe("a first page shipped without others' markdown", () => {
  const mineToo = comment("c2", { mine: true });
  const page = withoutOthersMarkdown({ roots: [comment("c1"), mineToo, comment("c3", { state: "deleted", body: null })], replies: [], html: { c1: "<p>Hello &amp; <em>welcome</em></p>", c2: "<p>mine</p>" } });

  it("keeps the markdown of one's own comments only, and the rendered HTML of all", () => {
    expect(page.roots.map((item) => item.body)).toEqual(["", "Body of c2", null]);
    expect(page.html).toEqual({ c1: "<p>Hello &amp; <em>welcome</em></p>", c2: "<p>mine</p>" });
  });

  it("keeps the HTML when a live copy brings the same text, and drops it for an edit", () => {
    const state = initialDiscussion(QUESTION, "newest", null, { ...page, nextCursor: null, total: 2 });
    const voted = discussionReducer(state, { type: "arrived", comment: comment("c1", { score: 3 }) });
    expect(voted.html.c1).toBe(state.html.c1);
    expect(voted.comments.c1!.body).toBe("Body of c1");
    const edited = discussionReducer(state, { type: "arrived", comment: comment("c1", { body: "Changed", editedAt: "2026-12-01T11:00:00.000Z" }) });
    expect(edited.html.c1).toBeUndefined();
    expect(edited.comments.c1!.body).toBe("Changed");
  });

  it("still has words for an excerpt, from the HTML", () => {
    expect(plainTextOfCommentHtml(page.html.c1!)).toBe("Hello & welcome");
    expect(plainTextOfCommentHtml("<ul><li>a &lt;b&gt;</li><li>&quot;c&#x27;</li></ul>")).toBe(`a <b> "c'`);
  });
});

describe("a first page that holds only older comments (sorted oldest first, or filtered)", () => {
  const oldest = [comment("c1"), comment("c2")];
  const newest = { id: "c9", createdAt: "2026-12-01T10:00:09.000Z" };

  it("catches up from the question's newest comment when the page was read, not from the newest it shows", () => {
    const state = initialDiscussion(QUESTION, "oldest", null, { roots: oldest, replies: [], nextCursor: "c2", total: 9, html: {}, newest });
    expect(newestCommentId(state)).toBe("c9");
    // A comment arriving afterwards moves the cursor on.
    const later = discussionReducer(state, { type: "arrived", comment: comment("c10", { createdAt: "2026-12-01T10:00:10.000Z" }) });
    expect(newestCommentId(later)).toBe("c10");
    // Without it (an older answer), the newest shown is the cursor, as before.
    expect(newestCommentId(initialDiscussion(QUESTION, "oldest", null, { roots: oldest, replies: [], nextCursor: null, total: 2, html: {} }))).toBe("c2");
  });

  it("shows the replies of threads that 'Show more' brings, though catching up had announced them", () => {
    let state = initialDiscussion(QUESTION, "oldest", null, { roots: oldest, replies: [], nextCursor: "c2", total: 4, html: {} });
    // Catching up brought a later thread and its reply: both wait behind the "new comments" bar.
    state = discussionReducer(state, { type: "arrived", comment: comment("c3") });
    state = discussionReducer(state, { type: "arrived", comment: reply("c4", "c3") });
    expect(state.pending).toEqual(["c3", "c4"]);
    state = discussionReducer(state, { type: "page-appended", page: { roots: [comment("c3")], replies: [reply("c4", "c3")], nextCursor: null, total: 4, html: {} } });
    expect(state.pending).toEqual([]);
    expect(shownIds(state)).toEqual(["c1", "c2", "c3", "c4"]);
  });
});
