import { expect, test, type Page } from "@playwright/test";
import { newUser, signUp } from "./accounts-fixture";

const ARTICLE = "/articles/open-vs-closed-ai-2026";
const QUESTION = "Which scenario describes the AI market in 2028?";
const SCENARIOS = ["The Open Source Majority", "Capability-Tiered Coexistence", "Closed Model Consolidation"] as const;

const field = (page: Page, scenario: string) => page.getByRole("spinbutton", { name: scenario, exact: true });

async function setPercentage(page: Page, scenario: string, value: string) {
  const input = field(page, scenario);
  await input.fill(value);
  await input.press("Tab");
}

test("a reader's public profile lists the forecast they just saved, linking to its question", async ({ page }) => {
  const user = newUser();
  await signUp(page, user);

  await page.goto(ARTICLE);
  const panel = page.getByTestId("forecast-panel").filter({ has: field(page, SCENARIOS[0]) });
  await setPercentage(page, SCENARIOS[0], "55");
  await setPercentage(page, SCENARIOS[1], "30");
  await expect(field(page, SCENARIOS[2])).toHaveValue("15");
  await panel.getByRole("button", { name: "Save forecast" }).click();
  await expect(panel.getByRole("status")).toContainText("Forecast saved");

  await page.goto(`/u/${user.username}`);
  await expect(page).toHaveTitle(`${user.username} (@${user.username}) — Crowdline`);
  await expect(page.getByRole("heading", { level: 1, name: user.username })).toBeVisible();
  await expect(page.getByText(`@${user.username}`, { exact: true })).toBeVisible();

  const forecasts = page.getByRole("region", { name: "Forecasts" });
  const forecast = forecasts.getByTestId("profile-forecast");
  await expect(forecast).toHaveCount(1);
  await expect(forecast.getByTestId("profile-forecast-figures")).toHaveText(
    `${SCENARIOS[0]} 55 % · ${SCENARIOS[1]} 30 % · ${SCENARIOS[2]} 15 %`,
  );
  const link = forecast.getByRole("link", { name: QUESTION });
  await expect(link).toHaveAttribute("href", /^\/questions\/[^/#]+$/);
  await expect(page.getByRole("region", { name: "Comments" })).toContainText("has not commented yet");

  await link.click();
  await expect(page).toHaveURL(/\/questions\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1, name: QUESTION })).toBeVisible();
});

test("an unknown username shows the 404 page", async ({ page }) => {
  const response = await page.goto("/u/nobody_here");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "We couldn’t find that page" })).toBeVisible();
});
