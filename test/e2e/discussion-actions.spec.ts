import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect as baseExpect, test, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { logIn, newUser, signUp, type TestUser } from "./accounts-fixture";

/**
 * What readers do with comments once posted: edit, delete, vote, sort and filter, credit a
 * comment for changing their mind, moderate and report, and the keyboard shortcuts. Specs run in
 * parallel on one database (and on two projects), so every test makes its own users and finds
 * its comments by random markers or by their ids, never by counts.
 */

const projectRoot = path.resolve(import.meta.dirname, "../..");
const ARTICLE = "/articles/open-vs-closed-ai-2026";
const SCENARIOS = ["The Open Source Majority", "Capability-Tiered Coexistence", "Closed Model Consolidation"] as const;

// Each test signs up two or three users and reloads pages several times, on a machine shared
// with other runs: generous limits, never sleeps.
test.describe.configure({ timeout: 120_000 });
const expect = baseExpect.configure({ timeout: 15_000 });

const marker = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

async function questionUrl(page: Page): Promise<string> {
  await page.goto(ARTICLE);
  const href = await page.getByRole("link", { name: /How the forecast moved/ }).first().getAttribute("href");
  expect(href).toMatch(/^\/questions\/[^/]+$/);
  return href!;
}

interface Reader {
  page: Page;
  user: TestUser;
}

/** The contexts a test opened on the worker's browser, closed after it. */
const opened: BrowserContext[] = [];
test.afterEach(async () => {
  await Promise.all(opened.splice(0).map((context) => context.close()));
});

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  opened.push(context);
  return context.newPage();
}

async function signedUpReader(browser: Browser): Promise<Reader> {
  const page = await newPage(browser);
  const user = newUser();
  await signUp(page, user);
  return { page, user };
}

/** An admin, made the way authoring.spec.ts makes its author: the user:create command on the e2e database. */
async function createAdmin(): Promise<TestUser> {
  for (let attempt = 1; ; attempt++) {
    const user = newUser();
    const child = promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "server/create-user.ts", "--username", user.username, "--email", user.email, "--role", "admin"],
      { cwd: projectRoot, env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL } },
    );
    child.child.stdin?.end(`${user.password}\n`);
    try {
      await child;
      return user;
    } catch (error) {
      // SQLite: the command's write can time out on "database is locked" while the server and the
      // other workers write; a fresh user each time, so a half-done attempt cannot collide.
      if (attempt >= 3 || !/database is locked/.test(String((error as { stderr?: string }).stderr ?? error))) throw error;
    }
  }
}

const discussionOf = (page: Page) => page.getByRole("region", { name: /Discussion/ });
const commentWith = (page: Page, text: string) => discussionOf(page).getByTestId("comment").filter({ hasText: text });
const commentById = (page: Page, id: string) => discussionOf(page).locator(`[data-testid="comment"][data-comment-id="${id}"]`);
/** The top-level comment box (the first "Your comment" in the discussion; reply and edit forms come later). */
const newCommentBox = (page: Page) => discussionOf(page).getByLabel("Your comment").first();
const scoreOf = (comment: Locator) => comment.getByLabel(/^Score -?\d+$/);

/** Posts a top-level comment and returns its id. */
async function postComment(page: Page, text: string, scenario?: string): Promise<string> {
  await newCommentBox(page).fill(text);
  if (scenario) await discussionOf(page).getByLabel("About a scenario").selectOption({ label: scenario });
  await discussionOf(page).getByRole("button", { name: "Post comment" }).first().click();
  const comment = commentWith(page, text);
  await expect(comment).toBeVisible();
  await expect(newCommentBox(page)).toHaveValue("");
  const id = await comment.getAttribute("data-comment-id");
  expect(id).toBeTruthy();
  return id!;
}

/** Replies to `parent` from its own reply form and returns the reply's id. */
async function reply(page: Page, parent: Locator, text: string): Promise<string> {
  await parent.getByRole("button", { name: "Reply" }).click();
  await parent.getByLabel("Your comment").fill(text);
  await parent.getByRole("button", { name: "Post comment" }).click();
  // Until the form closes, the parent itself "has" the text: React mirrors a textarea's value
  // into its default value, which is its text content.
  await expect(parent.getByLabel("Your comment")).toHaveCount(0);
  const own = commentWith(page, text);
  await expect(own).toBeVisible();
  const id = await own.getAttribute("data-comment-id");
  expect(id).toBeTruthy();
  expect(id).not.toBe(await parent.getAttribute("data-comment-id"));
  return id!;
}

async function waitUntilLive(page: Page) {
  await expect(page.getByTestId("live-bar").getByTestId("live-indicator")).toHaveText("Live", { timeout: 30_000 });
}

/**
 * Opens (or reloads) a question page and waits for its socket: by then the page is hydrated, so
 * a click on "Reply" or "Edit" is not lost on the server-rendered HTML.
 */
async function visit(page: Page, url: string) {
  await page.goto(url);
  await waitUntilLive(page);
}
async function reload(page: Page) {
  await page.reload();
  await waitUntilLive(page);
}

/** Marks the document, so that a reload would show as the mark going missing. */
async function markDocument(page: Page): Promise<string> {
  const mark = marker("mark");
  await page.evaluate((value) => ((window as unknown as { __marker?: string }).__marker = value), mark);
  return mark;
}
const markOf = (page: Page) => page.evaluate(() => (window as unknown as { __marker?: string }).__marker);

const field = (page: Page, scenario: string) => page.getByTestId("forecast-panel").getByRole("spinbutton", { name: scenario, exact: true });

/** Sets the first two scenarios (the third absorbs the rest), saves, and waits for the history to grow. */
async function saveForecast(page: Page, first: number, second: number) {
  const history = page.getByTestId("own-history").getByRole("listitem");
  const before = await history.count();
  for (const [scenario, value] of [[SCENARIOS[0], first], [SCENARIOS[1], second]] as const) {
    await field(page, scenario).fill(String(value));
    await field(page, scenario).press("Tab");
  }
  await expect(field(page, SCENARIOS[0])).toHaveValue(String(first));
  await expect(field(page, SCENARIOS[1])).toHaveValue(String(second));
  await expect(field(page, SCENARIOS[2])).toHaveValue(String(100 - first - second));
  await page.getByTestId("forecast-panel").getByRole("button", { name: "Save forecast" }).click();
  await expect(page.getByTestId("forecast-panel").getByRole("status")).toContainText("Forecast saved");
  await expect(history).toHaveCount(before + 1);
  await expect(history.first()).toContainText(`${first} % / ${second} % / ${100 - first - second} %`);
}

test("an author edits their comment, sees the earlier version, and another reader gets the edit live", async ({ browser }) => {
  const [author, reader] = await Promise.all([signedUpReader(browser), signedUpReader(browser)]);
  const url = await questionUrl(author.page);
  await visit(author.page, url);
  const original = marker("before");
  const id = await postComment(author.page, `First thoughts: ${original}`);

  await visit(reader.page, url);
  await expect(commentById(reader.page, id)).toContainText(original);
  const mark = await markDocument(reader.page);

  const own = commentById(author.page, id);
  await expect(own.getByText("(edited)")).toHaveCount(0);
  await own.getByRole("button", { name: "Edit" }).click();
  const box = own.getByLabel("Your comment");
  await expect(box).toHaveValue(`First thoughts: ${original}`);
  await expect(box).toBeFocused();
  const edited = marker("after");
  await box.fill(`Second thoughts: ${edited}`);
  await own.getByRole("button", { name: "Save changes" }).click();

  await expect(own.getByLabel("Your comment")).toHaveCount(0);
  await expect(own).toContainText(`Second thoughts: ${edited}`);
  const editedMarker = own.getByText("(edited)", { exact: true });
  await expect(editedMarker).toBeVisible();
  await expect(own.getByText(`First thoughts: ${original}`)).toBeHidden();
  await editedMarker.click();
  await expect(own.getByText(`First thoughts: ${original}`)).toBeVisible();

  // The other reader's copy changes in place, without a bar and without a reload.
  const theirs = commentById(reader.page, id);
  await expect(theirs).toContainText(`Second thoughts: ${edited}`);
  await expect(theirs.getByText("(edited)", { exact: true })).toBeVisible();
  expect(await markOf(reader.page)).toBe(mark);

  // And the edit is stored: a reload shows it, with the earlier version.
  await reload(author.page);
  await expect(commentById(author.page, id)).toContainText(`Second thoughts: ${edited}`);
  await commentById(author.page, id).getByText("(edited)", { exact: true }).click();
  await expect(commentById(author.page, id).getByText(`First thoughts: ${original}`)).toBeVisible();
});

test("a deleted comment with a reply stays as “[deleted]” above the reply; one without replies goes", async ({ browser }) => {
  const [author, replier] = await Promise.all([signedUpReader(browser), signedUpReader(browser)]);
  const url = await questionUrl(author.page);
  await visit(author.page, url);
  const parentText = marker("parent");
  const loneText = marker("lone");
  const parentId = await postComment(author.page, `Will be deleted: ${parentText}`);
  const loneId = await postComment(author.page, `Also deleted: ${loneText}`);

  await visit(replier.page, url);
  const replyText = marker("reply");
  const replyId = await reply(replier.page, commentById(replier.page, parentId), `A reply that stays: ${replyText}`);

  await reload(author.page);
  const parent = commentById(author.page, parentId);
  await expect(commentById(author.page, replyId)).toContainText(replyText);
  author.page.once("dialog", (dialog) => void dialog.accept());
  await parent.getByRole("button", { name: "Delete" }).click();
  await expect(parent.getByText("[deleted]", { exact: true })).toBeVisible();
  await expect(parent).not.toContainText(parentText);
  await expect(parent.getByRole("button", { name: "Reply" })).toHaveCount(0);
  await expect(commentById(author.page, replyId)).toContainText(replyText);

  author.page.once("dialog", (dialog) => void dialog.accept());
  await commentById(author.page, loneId).getByRole("button", { name: "Delete" }).click();
  await expect(commentById(author.page, loneId).getByText("[deleted]", { exact: true })).toBeVisible();

  for (const page of [author.page, replier.page]) {
    await reload(page);
    await expect(commentById(page, parentId).getByText("[deleted]", { exact: true })).toBeVisible();
    await expect(commentById(page, parentId)).not.toContainText(parentText);
    await expect(commentById(page, replyId)).toContainText(replyText);
    await expect(commentById(page, loneId)).toHaveCount(0);
    await expect(discussionOf(page).getByText(loneText)).toHaveCount(0);
  }
});

test("a reader votes a comment up, down and back to nothing; the score persists; authors cannot vote on their own", async ({ browser }) => {
  const [author, voter] = await Promise.all([signedUpReader(browser), signedUpReader(browser)]);
  const url = await questionUrl(author.page);
  await visit(author.page, url);
  const id = await postComment(author.page, `Vote on this: ${marker("vote")}`);

  const own = commentById(author.page, id);
  await expect(scoreOf(own)).toHaveText("0");
  await expect(own.getByRole("button", { name: "Vote up" })).toHaveCount(0);
  await expect(own.getByRole("button", { name: "Vote down" })).toHaveCount(0);

  await visit(voter.page, url);
  const comment = commentById(voter.page, id);
  const up = comment.getByRole("button", { name: "Vote up" });
  const down = comment.getByRole("button", { name: "Vote down" });
  await expect(up).toHaveAttribute("aria-pressed", "false");
  await expect(down).toHaveAttribute("aria-pressed", "false");
  await expect(scoreOf(comment)).toHaveText("0");

  await up.click();
  await expect(up).toHaveAttribute("aria-pressed", "true");
  await expect(down).toHaveAttribute("aria-pressed", "false");
  await expect(scoreOf(comment)).toHaveText("1");

  await down.click();
  await expect(down).toHaveAttribute("aria-pressed", "true");
  await expect(up).toHaveAttribute("aria-pressed", "false");
  await expect(scoreOf(comment)).toHaveText("-1");

  await reload(voter.page);
  await expect(scoreOf(comment)).toHaveText("-1");
  await expect(down).toHaveAttribute("aria-pressed", "true");
  await expect(up).toHaveAttribute("aria-pressed", "false");

  // Pressing the pressed button again takes the vote back.
  await down.click();
  await expect(down).toHaveAttribute("aria-pressed", "false");
  await expect(up).toHaveAttribute("aria-pressed", "false");
  await expect(scoreOf(comment)).toHaveText("0");

  await reload(voter.page);
  await expect(scoreOf(comment)).toHaveText("0");
  await expect(down).toHaveAttribute("aria-pressed", "false");
  await expect(up).toHaveAttribute("aria-pressed", "false");

  await reload(author.page);
  await expect(scoreOf(own)).toHaveText("0");
  await expect(own.getByRole("button", { name: /^Vote / })).toHaveCount(0);
});

test("the scenario filter shows only comments tagged with it, and the sort links mark the current order", async ({ browser }) => {
  const { page } = await signedUpReader(browser);
  const url = await questionUrl(page);
  await visit(page, url);
  const taggedText = marker("tagged");
  const plainText = marker("plain");
  const taggedId = await postComment(page, `About consolidation: ${taggedText}`, SCENARIOS[2]);
  const plainId = await postComment(page, `About nothing in particular: ${plainText}`);
  await expect(commentById(page, taggedId)).toContainText(`On: ${SCENARIOS[2]}`);

  const filter = discussionOf(page).getByRole("navigation", { name: "Filter comments by scenario" });
  const sort = discussionOf(page).getByRole("navigation", { name: "Sort comments" });
  await expect(filter.getByRole("link", { name: "All scenarios" })).toHaveAttribute("aria-current", "true");
  await expect(sort.getByRole("link", { name: "Newest" })).toHaveAttribute("aria-current", "true");

  await filter.getByRole("link", { name: SCENARIOS[2], exact: true }).click();
  await expect(page).toHaveURL(/[?&]scenario=[^&#]+/);
  await expect(filter.getByRole("link", { name: SCENARIOS[2], exact: true })).toHaveAttribute("aria-current", "true");
  await expect(filter.getByRole("link", { name: "All scenarios" })).not.toHaveAttribute("aria-current", /.*/);
  await expect(commentById(page, taggedId)).toBeVisible();
  await expect(commentById(page, plainId)).toHaveCount(0);

  for (const order of ["Oldest", "Top"] as const) {
    await sort.getByRole("link", { name: order }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]sort=${order.toLowerCase()}`));
    await expect(page).toHaveURL(/[?&]scenario=[^&#]+/);
    await expect(sort.getByRole("link", { name: order })).toHaveAttribute("aria-current", "true");
    for (const other of ["Newest", "Oldest", "Top"].filter((name) => name !== order)) {
      await expect(sort.getByRole("link", { name: other })).not.toHaveAttribute("aria-current", /.*/);
    }
    await expect(filter.getByRole("link", { name: SCENARIOS[2], exact: true })).toHaveAttribute("aria-current", "true");
    await expect(commentById(page, plainId)).toHaveCount(0);
  }

  await filter.getByRole("link", { name: "All scenarios" }).click();
  await expect(page).not.toHaveURL(/scenario=/);
  await expect(sort.getByRole("link", { name: "Top" })).toHaveAttribute("aria-current", "true");
  await sort.getByRole("link", { name: "Newest" }).click();
  await expect(page).not.toHaveURL(/sort=/);
  await expect(commentById(page, taggedId)).toBeVisible();
  await expect(commentById(page, plainId)).toBeVisible();
});

test("a reader who read a comment and then moved their forecast credits it; a small move asks nothing", async ({ browser }) => {
  const [author, reader] = await Promise.all([signedUpReader(browser), signedUpReader(browser)]);
  const url = await questionUrl(author.page);
  const questionId = url.split("/").pop()!;
  await visit(author.page, url);
  const text = marker("persuasive");
  const id = await postComment(author.page, `Consolidation is overrated: ${text}`);

  const page = reader.page;
  await visit(page, url);
  await saveForecast(page, 45, 40);
  const prompt = page.getByRole("form", { name: "Did a comment change your mind?" });
  // A first forecast has nothing to change.
  await expect(prompt).toHaveCount(0);

  // Reading: half of the comment on screen for a second and a half.
  await commentById(page, id).scrollIntoViewIfNeeded();
  await expect
    .poll(async () => page.evaluate((key) => window.localStorage.getItem(key) ?? "", `crowdline:comments-read:${questionId}`), { timeout: 20_000 })
    .toContain(id);
  await field(page, SCENARIOS[0]).scrollIntoViewIfNeeded();

  // A move of 2 points is no changed mind.
  await saveForecast(page, 47, 38);
  await expect(page.getByText("Did a comment change your mind?")).toHaveCount(0);

  // A move of 8 points is.
  await saveForecast(page, 55, 30);
  await expect(prompt).toBeVisible();
  const offered = prompt.getByRole("checkbox");
  const mine = prompt.getByRole("checkbox", { name: new RegExp(text) });
  await expect(mine).toBeVisible();
  await expect(prompt.getByText(`${author.user.username}:`)).toBeVisible();
  // Other tests' comments may have been read too (they share the screen); credit only this one.
  for (const box of await offered.all()) await box.setChecked(false);
  await mine.check();
  await prompt.getByRole("button", { name: "Yes, credit them" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Thank you: the comment gets the credit for moving you." })).toBeVisible();
  await expect(prompt).toHaveCount(0);
  await expect(commentById(page, id).getByText("moved 1 reader", { exact: true })).toBeVisible();

  await reload(page);
  await expect(commentById(page, id).getByText("moved 1 reader", { exact: true })).toBeVisible();
  await reload(author.page);
  await expect(commentById(author.page, id).getByText("moved 1 reader", { exact: true })).toBeVisible();
});

test("an admin hides a comment with a reason: readers see a placeholder, its author the reason and their text; a reader reports one", async ({ browser }) => {
  const [admin, author, reader] = await Promise.all([
    createAdmin(),
    signedUpReader(browser),
    signedUpReader(browser),
  ]);
  const url = await questionUrl(author.page);
  await visit(author.page, url);
  const hiddenText = marker("rude");
  const reportedText = marker("dubious");
  const hiddenId = await postComment(author.page, `Something rude: ${hiddenText}`);
  const reportedId = await postComment(author.page, `Something dubious: ${reportedText}`);

  // Readers cannot hide; they can report, but not their own comments.
  await expect(commentById(author.page, hiddenId).getByRole("button", { name: "Hide", exact: true })).toHaveCount(0);
  await expect(commentById(author.page, hiddenId).getByRole("button", { name: "Report" })).toHaveCount(0);

  const moderator = await newPage(browser);
  await logIn(moderator, admin.username, admin.password, admin.username);
  await visit(moderator, url);
  const target = commentById(moderator, hiddenId);
  await target.getByRole("button", { name: "Hide", exact: true }).click();
  const reason = `Personal attack ${marker("reason")}`;
  await target.getByLabel("Why hide it? (its author sees this)").fill(reason);
  await target.getByRole("button", { name: "Hide comment" }).click();
  await expect(target.getByText(`Hidden by a moderator: ${reason}. Only you and the author can see this text.`)).toBeVisible();

  await visit(reader.page, url);
  const seen = commentById(reader.page, hiddenId);
  await expect(seen.getByText("[hidden by a moderator]", { exact: true })).toBeVisible();
  await expect(seen).not.toContainText(hiddenText);
  await expect(seen).not.toContainText(reason);
  await expect(seen.getByRole("button", { name: "Reply" })).toHaveCount(0);

  await reload(author.page);
  const own = commentById(author.page, hiddenId);
  await expect(own.getByText(`Hidden by a moderator: ${reason}. Only you can see this text.`)).toBeVisible();
  await expect(own).toContainText(hiddenText);
  await expect(own.getByRole("button", { name: "Edit" })).toHaveCount(0);

  // A reader's report.
  const reported = commentById(reader.page, reportedId);
  await expect(reported.getByRole("button", { name: "Hide", exact: true })).toHaveCount(0);
  await reported.getByRole("button", { name: "Report" }).click();
  await reported.getByLabel("What is wrong with this comment?").fill("Cites a source that does not exist.");
  await reported.getByRole("button", { name: "Send report" }).click();
  await expect(reported.getByRole("status")).toHaveText("Thank you: a moderator will look at this comment.");

  // The moderator sees it was reported.
  await reload(moderator);
  await expect(commentById(moderator, reportedId).getByText("reported 1×")).toBeVisible();
});

test("Ctrl+Enter posts a comment from its box, and Escape closes an open reply form", async ({ browser }) => {
  const { page } = await signedUpReader(browser);
  await visit(page, await questionUrl(page));
  const text = marker("keyboard");
  const box = newCommentBox(page);
  await box.fill(`Posted from the keyboard: ${text}`);
  await box.press("Control+Enter");
  const comment = commentWith(page, text);
  await expect(comment).toBeVisible();
  await expect(box).toHaveValue("");

  await comment.getByRole("button", { name: "Reply" }).click();
  const replyBox = comment.getByLabel("Your comment");
  await expect(replyBox).toBeFocused();
  await replyBox.fill("Never mind");
  await replyBox.press("Escape");
  await expect(comment.getByLabel("Your comment")).toHaveCount(0);
  await expect(comment.getByRole("button", { name: "Reply" })).toHaveAttribute("aria-expanded", "false");
  await expect(discussionOf(page).getByText("Never mind")).toHaveCount(0);
});
