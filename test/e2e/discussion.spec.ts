import { expect, test, type Browser, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts-fixture";

/**
 * The discussion, live between two readers: one comments with a scenario tag, the other sees it
 * arrive without a reload and replies, and the first sees the reply arrive. Specs run in
 * parallel on one database, so each comment carries a random marker and is found by it.
 */

const ARTICLE = "/articles/open-vs-closed-ai-2026";
const SCENARIO = "Capability-Tiered Coexistence";

async function scenarioQuestionUrl(page: Page): Promise<string> {
  await page.goto(ARTICLE);
  const href = await page.getByRole("link", { name: /How the forecast moved/ }).first().getAttribute("href");
  expect(href).toMatch(/^\/questions\/[^/]+$/);
  return href!;
}

async function signedUpPage(browser: Browser): Promise<{ page: Page; username: string }> {
  const page = await (await browser.newContext()).newPage();
  const user = newUser();
  await signUp(page, user);
  return { page, username: user.username };
}

const discussionOf = (page: Page) => page.getByRole("region", { name: /Discussion/ });
const commentWith = (page: Page, text: string) => discussionOf(page).getByTestId("comment").filter({ hasText: text });

/** Marks the document, so that a reload would show as the mark going missing. */
async function markDocument(page: Page): Promise<string> {
  const mark = `mark-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => ((window as unknown as { __marker?: string }).__marker = value), mark);
  return mark;
}
const markOf = (page: Page) => page.evaluate(() => (window as unknown as { __marker?: string }).__marker);

async function waitUntilLive(page: Page) {
  await expect(page.getByTestId("live-bar").getByTestId("live-indicator")).toHaveText("Live");
}

test("a tagged comment arrives live for another reader, whose reply arrives live for the first", async ({ browser }) => {
  const first = await signedUpPage(browser);
  const second = await signedUpPage(browser);
  const questionUrl = await scenarioQuestionUrl(first.page);
  await Promise.all([first.page.goto(`${questionUrl}#discussion`), second.page.goto(`${questionUrl}#discussion`)]);
  await Promise.all([waitUntilLive(first.page), waitUntilLive(second.page)]);
  const marks = await Promise.all([markDocument(first.page), markDocument(second.page)]);

  const marker = `tiers-${Math.random().toString(36).slice(2, 10)}`;
  const form = discussionOf(first.page);
  await form.getByLabel("Your comment").first().fill(`Regulation splits the market: **${marker}**`);
  await form.getByLabel("About a scenario").selectOption({ label: SCENARIO });
  await form.getByRole("radio", { name: "For" }).check();
  await form.getByRole("button", { name: "Post comment" }).first().click();

  // The author sees their own comment at once, rendered from markdown and tagged.
  const own = commentWith(first.page, marker);
  await expect(own).toBeVisible();
  await expect(own.locator("strong")).toHaveText(marker);
  await expect(own).toContainText(`For: ${SCENARIO}`);
  await expect(form.getByLabel("Your comment").first()).toHaveValue("");

  // The other reader gets the "new comments" bar, and the comment on asking for it.
  const bar = discussionOf(second.page).getByRole("button", { name: /^\d+ new comments?$/ });
  await expect(bar).toBeVisible();
  await bar.click();
  const arrived = commentWith(second.page, marker);
  await expect(arrived).toBeVisible();
  await expect(arrived.locator("strong")).toHaveText(marker);
  await expect(arrived).toContainText(`For: ${SCENARIO}`);
  await expect(arrived.getByRole("link", { name: first.username })).toHaveAttribute("href", `/u/${first.username}`);

  const replyMarker = `reply-${Math.random().toString(36).slice(2, 10)}`;
  await arrived.getByRole("button", { name: "Reply" }).click();
  await arrived.getByLabel("Your comment").fill(`Only if the tiers hold: _${replyMarker}_ @${first.username}`);
  await arrived.getByRole("button", { name: "Post comment" }).click();
  const ownReply = commentWith(second.page, replyMarker);
  await expect(ownReply).toBeVisible();
  await expect(ownReply.locator("em")).toHaveText(replyMarker);

  // The reply reaches the first reader live, under their comment, with the mention linked.
  const replyBar = discussionOf(first.page).getByRole("button", { name: /^\d+ new comments?$/ });
  await expect(replyBar).toBeVisible();
  await replyBar.click();
  const reply = commentWith(first.page, replyMarker);
  await expect(reply).toBeVisible();
  await expect(reply.getByRole("link", { name: `@${first.username}` })).toHaveAttribute("href", `/u/${first.username}`);
  const order = await discussionOf(first.page).getByTestId("comment").evaluateAll((nodes, texts) => nodes.map((node) => texts.findIndex((text) => node.textContent?.includes(text))).filter((index) => index >= 0), [marker, replyMarker]);
  expect(order).toEqual([0, 1]);

  // Neither page reloaded to get there.
  expect(await Promise.all([markOf(first.page), markOf(second.page)])).toEqual(marks);
});

test("a signed-out reader reads the discussion and is asked to log in to reply", async ({ browser, page }) => {
  const author = await signedUpPage(browser);
  const questionUrl = await scenarioQuestionUrl(author.page);
  const marker = `anon-${Math.random().toString(36).slice(2, 10)}`;
  await author.page.goto(questionUrl);
  await discussionOf(author.page).getByLabel("Your comment").first().fill(`Visible to all: ${marker}`);
  await discussionOf(author.page).getByRole("button", { name: "Post comment" }).first().click();
  await expect(commentWith(author.page, marker)).toBeVisible();

  await page.goto(questionUrl);
  const comment = commentWith(page, marker);
  await expect(comment).toBeVisible();
  await expect(discussionOf(page).getByLabel("Your comment")).toHaveCount(0);
  await comment.getByRole("button", { name: "Reply" }).click();
  await expect(comment.getByRole("link", { name: "Log in" })).toBeVisible();
});

test("an empty comment is refused with a message and nothing is posted", async ({ browser }) => {
  const { page } = await signedUpPage(browser);
  await page.goto(await scenarioQuestionUrl(page));
  const discussion = discussionOf(page);
  const before = await discussion.getByTestId("comment").count();
  await discussion.getByLabel("Your comment").first().fill("   ");
  await discussion.getByRole("button", { name: "Post comment" }).first().click();
  await expect(discussion.getByText("Write a comment first")).toBeVisible();
  await expect(discussion.getByLabel("Your comment").first()).toHaveAttribute("aria-invalid", "true");
  expect(await discussion.getByTestId("comment").count()).toBe(before);
});
