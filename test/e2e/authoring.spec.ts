import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Page } from "@playwright/test";
import { headerNav, logIn, newUser, signUp, type TestUser } from "./accounts-fixture";

const projectRoot = path.resolve(import.meta.dirname, "../..");

/**
 * An author account, made the way the first accounts are made on a real deployment: the
 * user:create command, against the e2e server's database, the password piped on stdin.
 */
async function createAuthor(): Promise<TestUser> {
  const user = newUser();
  const child = promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "server/create-user.ts", "--username", user.username, "--email", user.email, "--role", "author"],
    { cwd: projectRoot, env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL } },
  );
  child.child.stdin?.end(`${user.password}\n`);
  await child;
  return user;
}

const section = (page: Page, heading: string) => page.getByRole("region", { name: heading, exact: true });

test("an author writes an article with a three-scenario question and a baseline, publishes it, and a reader finds it", async ({ page, browser }) => {
  const author = await createAuthor();
  await logIn(page, author.username, author.password, author.username);

  await headerNav(page).getByRole("link", { name: "Author", exact: true }).click();
  await expect(page).toHaveURL(/\/author$/);
  await expect(page.getByText("You have no articles yet.")).toBeVisible();

  // New article: the slug follows the title until the author types one.
  await page.getByRole("link", { name: "New article" }).click();
  const title = `The grid in 2028 ${author.username.slice(-6)}`;
  const slug = `grid-2028-${author.username.slice(-8)}`;
  await page.getByLabel("Title", { exact: true }).fill(title);
  await expect(page.getByLabel("Slug", { exact: true })).toHaveValue(`the-grid-in-2028-${author.username.slice(-6)}`);
  await page.getByLabel("Slug", { exact: true }).fill(slug);
  await page.getByLabel("Standfirst", { exact: true }).fill("Data centres want more power than utilities can build.");
  await page.getByLabel("Summary", { exact: true }).fill("Demand outruns supply.");
  await page.getByLabel("Body", { exact: true }).fill("First paragraph.\n\nSecond paragraph.");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/author\/articles\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page.getByText("Draft", { exact: true })).toBeVisible();

  // A drafted article is not public yet.
  const reader = await browser.newContext();
  try {
    const readerPage = await reader.newPage();
    expect((await readerPage.goto(`/articles/${slug}`))?.status()).toBe(404);

    // A question with three scenarios.
    const addQuestion = section(page, "Add a question");
    await expect(addQuestion.getByRole("radio", { name: "Scenarios", exact: true })).toBeChecked();
    await addQuestion.getByLabel("Question title", { exact: true }).fill("How will data centres get their power by 2028?");
    await addQuestion.getByLabel("Description", { exact: true }).fill("Pick the path that best describes 2028.");
    await addQuestion.getByRole("textbox", { name: "Scenarios" }).fill("Grid keeps up\nRationing\nOn-site generation");
    await addQuestion.getByRole("button", { name: "Add question" }).click();
    await expect(addQuestion.getByRole("status")).toHaveText("Question added");
    await section(page, "Questions").getByRole("link", { name: "How will data centres get their power by 2028?", exact: true }).click();
    await expect(page).toHaveURL(/\/author\/questions\/[^/]+$/);

    // The baseline: one percentage per scenario, labelled with its title, and a public note.
    const baseline = section(page, "Baseline");
    await expect(baseline.getByText("No baseline yet.")).toBeVisible();
    await baseline.getByLabel("Grid keeps up", { exact: true }).fill("50");
    await baseline.getByLabel("Rationing", { exact: true }).fill("30");
    await baseline.getByLabel("On-site generation", { exact: true }).fill("15");
    await baseline.getByLabel("Note", { exact: true }).fill("Utilities’ filings point to shortfalls.");
    await baseline.getByRole("button", { name: "Publish baseline revision" }).click();
    await expect(baseline.getByText("The probabilities must add up to 100 % (they add up to 95 %)")).toBeVisible();
    await baseline.getByLabel("On-site generation", { exact: true }).fill("20");
    await baseline.getByRole("button", { name: "Publish baseline revision" }).click();
    await expect(baseline.getByRole("status")).toHaveText("Baseline revision published");
    const revisions = baseline.getByRole("list", { name: "Past baseline revisions, newest first" });
    await expect(revisions.getByRole("listitem")).toHaveCount(1);
    await expect(revisions).toContainText("Grid keeps up 50 % · Rationing 30 % · On-site generation 20 %");
    await expect(revisions).toContainText("Utilities’ filings point to shortfalls.");
    await expect(baseline.getByLabel("Grid keeps up", { exact: true })).toHaveValue("50");

    // Scenario texts, edited in one form.
    const scenarios = section(page, "Scenarios");
    const first = scenarios.getByRole("group", { name: "Scenario 1: Grid keeps up" });
    await first.getByLabel("Summary", { exact: true }).fill("Utilities build fast enough.");
    await first.getByLabel("What happens", { exact: true }).fill("Transmission lines approved\nGas peakers bridge the gap");
    await scenarios.getByRole("button", { name: "Save scenarios" }).click();
    await expect(scenarios.getByRole("status")).toHaveText("Saved");

    // Publish the article.
    await page.getByRole("link", { name: `← ${title}` }).click();
    const publication = section(page, "Publication");
    await publication.getByRole("button", { name: "Publish" }).click();
    await expect(publication.getByRole("status")).toHaveText("Published");
    await expect(page.getByText("Published", { exact: true }).first()).toBeVisible();

    // A reader, signed out, finds it with its question.
    await readerPage.goto(`/articles/${slug}`);
    await expect(readerPage.getByRole("heading", { level: 1 })).toHaveText(title);
    await expect(readerPage.getByRole("heading", { name: "How will data centres get their power by 2028?" })).toBeVisible();
    await expect(readerPage.getByText("Grid keeps up").first()).toBeVisible();
    await expect(readerPage.getByText("Utilities build fast enough.")).toBeVisible();
  } finally {
    await reader.close();
  }
});

test("a reader has no Author link and gets a readable 403 at /author", async ({ page }) => {
  await signUp(page, newUser());
  await expect(headerNav(page).getByRole("link", { name: "Author", exact: true })).toHaveCount(0);
  const response = await page.goto("/author");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "This page isn’t open to your account" })).toBeVisible();
});
