import { expect, test, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts-fixture";

const ARTICLE = "/articles/open-vs-closed-ai-2026";
const SCENARIOS = ["The Open Source Majority", "Capability-Tiered Coexistence", "Closed Model Consolidation"] as const;

/** A scenario's percentage field: its accessible name is the scenario's title (cards on the article page are named so too). */
const field = (page: Page, scenario: string) => page.getByRole("spinbutton", { name: scenario, exact: true });
const panelOf = (page: Page) => page.getByTestId("forecast-panel").filter({ has: field(page, SCENARIOS[0]) });

/** Types a percentage into a scenario's field and leaves it, as a reader would. */
async function setPercentage(page: Page, scenario: string, value: string) {
  const input = field(page, scenario);
  await input.fill(value);
  await input.press("Tab");
}

test("a reader forecasts on the article, sees the crowd and their point on the chart, then updates and sees the history", async ({ page }) => {
  await signUp(page, newUser());
  await page.goto(ARTICLE);
  const panel = panelOf(page);
  await expect(panel).toBeVisible();

  // The inputs start from the author's baseline and always add up to 100.
  await expect(field(page, SCENARIOS[0])).toHaveValue("45");
  await setPercentage(page, SCENARIOS[0], "60");
  await setPercentage(page, SCENARIOS[1], "30");
  await expect(field(page, SCENARIOS[2])).toHaveValue("10");
  await panel.getByLabel(/Why\?/).fill("Open weights keep closing the gap.");
  await panel.getByRole("button", { name: "Save forecast" }).click();

  await expect(panel.getByRole("status")).toContainText("Forecast saved");
  const firstRow = panel.getByTestId("scenario-figures").first();
  await expect(firstRow.getByTestId("own-figure")).toHaveText("60 %");
  await expect(firstRow.getByTestId("crowd-figure")).toHaveText(/^\d+(\.\d)? %$/);
  await expect(panel.getByTestId("crowd-count")).toHaveText(/^[\d,]+ forecasters?$/);

  await page.getByRole("link", { name: /How the forecast moved/ }).first().click();
  await expect(page).toHaveURL(/\/questions\/[^/]+$/);
  const chart = page.getByTestId("consensus-chart");
  await expect(chart).toBeVisible();
  // The drawing loads once the chart comes near the viewport.
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.getByTestId("own-forecast-point").first()).toBeVisible();
  const pointsAfterFirst = await chart.getByTestId("own-forecast-point").count();
  await expect(chart.getByTestId("crowd-line").first()).toBeAttached();

  await setPercentage(page, SCENARIOS[0], "50");
  await setPercentage(page, SCENARIOS[2], "20");
  await expect(field(page, SCENARIOS[1])).toHaveValue("30");
  await page.getByRole("button", { name: "Save forecast" }).click();
  await expect(page.getByTestId("forecast-panel").getByRole("status")).toContainText("Forecast saved");

  const history = page.getByTestId("own-history");
  await expect(history.getByRole("listitem")).toHaveCount(2);
  await expect(history.getByRole("listitem").first()).toContainText("50 % / 30 % / 20 %");
  await expect(history.getByRole("listitem").nth(1)).toContainText("60 % / 30 % / 10 %");
  await expect(chart.getByTestId("own-forecast-point")).toHaveCount(pointsAfterFirst * 2);
});

test("a visitor sees the crowd and is asked to log in to forecast", async ({ page }) => {
  await page.goto(ARTICLE);
  const panel = page.getByTestId("forecast-panel").first();
  await expect(panel.getByRole("link", { name: "Log in to forecast" })).toBeVisible();
  await expect(panel.getByRole("button", { name: "Save forecast" })).toHaveCount(0);
  await expect(panel.getByTestId("scenario-figures")).toHaveCount(3);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the server says when the probabilities do not add up, and keeps nothing", async ({ page }) => {
    const user = newUser();
    await page.goto("/signup");
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.goto(ARTICLE);
    await field(page, SCENARIOS[0]).fill("60");
    await field(page, SCENARIOS[1]).fill("30");
    await field(page, SCENARIOS[2]).fill("7");
    await page.getByRole("button", { name: "Save forecast" }).first().click();
    await expect(page).toHaveURL(/\/questions\//);
    await expect(page.getByText("The probabilities must add up to 100 % (they add up to 97 %)")).toBeVisible();
    await expect(page.getByTestId("own-history")).toHaveCount(0);
  });
});
