import { expect, test, type Page } from "@playwright/test";
import { FOREIGN_HOST, XSS_PAYLOADS } from "../xss-payloads";
import { newUser, signUp } from "./accounts-fixture";

/**
 * Every payload of test/xss-payloads.ts posted as a comment: none may run in a browser, whether
 * the page got it rendered by the server (first paint) or rendered it itself (live arrival), and
 * each is stored exactly as typed. Posted as replies to one thread of this test's own, so that
 * the other specs' comments stay on the discussion's first page.
 */

const ARTICLE = "/articles/open-vs-closed-ai-2026";

interface StoredComment {
  id: string;
  parentId: string | null;
  body: string | null;
}

/** Records every dialog, every request that leaves for another host and every load the CSP refused. */
function guard(page: Page) {
  const dialogs: string[] = [];
  const foreign: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // The Content Security Policy stops most such loads before they become requests; what it
  // refused counts the same.
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) foreign.push(`CSP: ${message.text().slice(0, 200)}`);
  });
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") foreign.push(request.url());
  });
  return { dialogs, foreign };
}

async function expectNothingActive(page: Page) {
  // No element inside the discussion carries an event handler, a script, a frame or a foreign source.
  const findings = await page.getByRole("region", { name: /Discussion/ }).evaluate((region) => {
    const bad: string[] = [];
    for (const element of region.querySelectorAll("*")) {
      const tag = element.tagName.toLowerCase();
      if (["script", "iframe", "object", "embed", "img", "svg", "math", "style", "link", "meta", "base", "form", "video", "audio", "source"].includes(tag) && element.closest("[data-testid=comment] .comment-text")) bad.push(`<${tag}>`);
      for (const attribute of element.attributes) {
        if (/^on/i.test(attribute.name)) bad.push(`${tag}[${attribute.name}]`);
        if ((attribute.name === "href" || attribute.name === "src" || attribute.name === "xlink:href") && /^\s*(javascript|data|vbscript):/i.test(attribute.value)) bad.push(`${tag}[${attribute.name}=${attribute.value.slice(0, 40)}]`);
      }
    }
    return bad;
  });
  expect(findings).toEqual([]);
}

// Runs in the "xss" project only, after the others (test/e2e/playwright.config.ts).
test("none of the XSS payloads runs, first paint or live, and each is stored as typed", async ({ browser, page, baseURL }) => {
  test.setTimeout(120_000);
  const user = newUser();
  await signUp(page, user);
  await page.goto(ARTICLE);
  const questionUrl = await page.getByRole("link", { name: /How the forecast moved/ }).first().getAttribute("href");
  expect(questionUrl).toMatch(/^\/questions\/[^/]+$/);
  const questionId = questionUrl!.split("/").pop()!;
  const marker = `xss-thread-${Math.random().toString(36).slice(2, 10)}`;

  const post = async (fields: Record<string, string>) => {
    const response = await page.request.post(questionUrl!, { form: fields, headers: { Origin: baseURL! }, maxRedirects: 0 });
    expect(response.status(), `posting ${JSON.stringify(fields.body).slice(0, 80)}`).toBe(201);
  };
  await post({ intent: "comment", body: `Payloads follow as replies: ${marker}` });
  const listing = await page.request.get(`/api/questions/${questionId}/comments?sort=newest`);
  const root = ((await listing.json()) as { roots: StoredComment[] }).roots.find((comment) => comment.body?.includes(marker));
  expect(root).toBeDefined();

  // A second reader has the thread open before the payloads arrive: they come over the socket
  // and are rendered in that browser.
  const watcherContext = await browser.newContext();
  const watcher = await watcherContext.newPage();
  const watched = guard(watcher);
  await watcher.goto(`${questionUrl}#discussion`);
  await expect(watcher.getByTestId("live-bar").getByTestId("live-indicator")).toHaveText("Live");
  await expect(watcher.getByTestId("comment").filter({ hasText: marker })).toBeVisible();

  for (const body of XSS_PAYLOADS) await post({ intent: "comment", body, parentId: root!.id });

  const since = await page.request.get(`/api/questions/${questionId}/comments?since=${root!.id}`);
  expect(since.status()).toBe(200);
  const stored = ((await since.json()) as { comments: StoredComment[] }).comments.filter((comment) => comment.parentId === root!.id);
  expect(stored.map((comment) => comment.body)).toEqual([...XSS_PAYLOADS]);

  // Other specs' comments may arrive meanwhile, so the bar counts at least the payloads.
  const bar = watcher.getByRole("button", { name: /new comments?$/ });
  await expect.poll(async () => Number(/\d+/.exec((await bar.textContent()) ?? "")?.[0] ?? 0)).toBeGreaterThanOrEqual(XSS_PAYLOADS.length);
  await bar.click();
  await expect(watcher.locator(`[data-comment-id]`).filter({ has: watcher.locator(".comment-text") })).not.toHaveCount(0);
  for (const comment of stored) await expect(watcher.locator(`[data-comment-id="${comment.id}"]`)).toHaveCount(1);
  const thread = watcher.locator(`[data-comment-id="${stored.at(-1)!.id}"]`);
  await expect(thread).toBeVisible();
  // Rendered by the browser's own copy of the renderer (no server HTML for live arrivals).
  await expect(thread.locator(".comment-text")).toBeVisible();

  // First paint: the same thread, rendered by the server.
  const reader = await (await browser.newContext()).newPage();
  const read = guard(reader);
  await reader.goto(`${questionUrl}#discussion`);
  await expect(reader.locator(`[data-comment-id="${stored.at(-1)!.id}"] .comment-text`)).toBeVisible();
  await expect(reader.getByTestId("live-bar").getByTestId("live-indicator")).toHaveText("Live");

  for (const target of [watcher, reader]) {
    // What a reader's pointer and keyboard would set off, on every rendered element.
    await target.locator("[data-comment-id] .comment-text *").evaluateAll((elements) => {
      for (const element of elements) {
        for (const type of ["mouseover", "mouseenter", "click", "focus", "animationstart", "transitionend"]) {
          element.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
        }
      }
    });
    await expectNothingActive(target);
  }
  // The profile page shows the same texts as plain excerpts.
  await reader.goto(`/u/${user.username}`);
  await expect(reader.getByRole("heading", { name: "Comments" })).toBeVisible();

  expect(watched.dialogs).toEqual([]);
  expect(read.dialogs).toEqual([]);
  expect([...watched.foreign, ...read.foreign]).toEqual([]);
  // The guard itself works: an attempt to reach the foreign host is seen.
  await reader.evaluate((host) => void fetch(`https://${host}/probe`).catch(() => undefined), FOREIGN_HOST);
  await expect.poll(() => read.foreign.some((url) => url.includes(FOREIGN_HOST))).toBe(true);
  await watcherContext.close();
});
