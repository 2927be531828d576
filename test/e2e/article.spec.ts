import { expect, test } from "@playwright/test";

test("a reader finds the first article and sees its three 2028 scenarios at 45 / 40 / 15 %", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: /Open vs Closed AI 2026/ }).click();
  await expect(page).toHaveURL(/\/articles\/open-vs-closed-ai-2026$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Open vs Closed AI 2026/);

  const scenarios = page.getByTestId("scenario");
  await expect(scenarios).toHaveCount(3);
  await expect(scenarios.getByRole("heading", { level: 3 })).toHaveText([
    "The Open Source Majority",
    "Capability-Tiered Coexistence",
    "Closed Model Consolidation",
  ]);
  await expect(scenarios.getByTestId("baseline")).toHaveText(["45 %", "40 %", "15 %"]);
  for (const section of ["What happens", "Required catalysts", "Timeline", "Investable thesis"]) {
    await expect(scenarios.first().getByText(section, { exact: true })).toBeVisible();
  }

  const claims = page.getByTestId("claim");
  await expect(claims).toHaveCount(4);
  await expect(claims.first()).toContainText("author’s implied view");
});

test("an unknown URL gets the styled 404 page with a way back", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We couldn’t find that page" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the front page" }).click();
  await expect(page.getByRole("heading", { name: "Analyses open for forecasting" })).toBeVisible();
});

test("an unknown article slug is a 404 too", async ({ page }) => {
  const response = await page.goto("/articles/not-an-article");
  expect(response?.status()).toBe(404);
  await expect(page.getByText("Error 404")).toBeVisible();
});

test("the article page fits the screen without sideways scrolling", async ({ page }) => {
  await page.goto("/articles/open-vs-closed-ai-2026");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("keyboard users can skip straight to the content", async ({ page, isMobile }) => {
  test.skip(isMobile, "no hardware keyboard on the phone profile");
  await page.goto("/articles/open-vs-closed-ai-2026");
  await page.keyboard.press("Tab");
  const skipLink = page.getByRole("link", { name: "Skip to content" });
  await expect(skipLink).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#main$/);
});
