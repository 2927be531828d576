import { randomBytes } from "node:crypto";
import { expect, type Browser, type Locator, type Page } from "@playwright/test";

/**
 * Helpers for the account e2e tests. Both projects run every spec in parallel against one
 * database, so every test makes its own users: random names, never shared.
 */

export interface TestUser {
  username: string;
  email: string;
  password: string;
}

export const BAD_LOGIN = "That username or email and password do not match an account.";

/** A fresh user: username of 20 characters from [a-z0-9_], well under the limit of 30. */
export function newUser(): TestUser {
  const suffix = randomBytes(8).toString("hex");
  const username = `e2e_${suffix}`;
  return { username, email: `${username}@example.com`, password: `Pw-${randomBytes(9).toString("base64url")}` };
}

/** The site header's main navigation, where the account links live. */
export const headerNav = (page: Page): Locator => page.getByRole("navigation", { name: "Main" });

/** The header's link to /settings; its accessible name is "Signed in as <name>". */
export const signedInLink = (page: Page, name: string): Locator =>
  headerNav(page).getByRole("link", { name: `Signed in as ${name}`, exact: true });

export const headerLogInLink = (page: Page): Locator => headerNav(page).getByRole("link", { name: "Log in", exact: true });

/** Waits until the header shows `name` as the signed-in user, linking to the settings. */
export async function expectSignedInAs(page: Page, name: string): Promise<void> {
  await expect(signedInLink(page, name)).toBeVisible();
  await expect(signedInLink(page, name)).toHaveAttribute("href", "/settings");
  await expect(headerLogInLink(page)).toHaveCount(0);
}

export async function expectSignedOut(page: Page): Promise<void> {
  await expect(headerLogInLink(page)).toBeVisible();
  await expect(headerNav(page).getByRole("button", { name: "Log out" })).toHaveCount(0);
}

/** Fills the sign-up form on the current page (already at /signup) and submits it. */
export async function fillSignUp(page: Page, user: Partial<TestUser>): Promise<void> {
  if (user.username !== undefined) await page.getByLabel("Username").fill(user.username);
  if (user.email !== undefined) await page.getByLabel("Email").fill(user.email);
  if (user.password !== undefined) await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Signs up through the form and waits for the front page with the new user in the header. */
export async function signUp(page: Page, user: TestUser): Promise<void> {
  await page.goto("/signup");
  await fillSignUp(page, user);
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, user.username);
}

/** Creates the account in a context of its own, so that the caller's page stays signed out. */
export async function signUpElsewhere(browser: Browser, user: TestUser): Promise<void> {
  const context = await browser.newContext();
  try {
    await signUp(await context.newPage(), user);
  } finally {
    await context.close();
  }
}

/** Fills and submits the login form on the current page (already at /login). */
export async function submitLogIn(page: Page, identifier: string, password: string): Promise<void> {
  await page.getByLabel("Username or email").fill(identifier);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Logs in at /login and waits for the front page with `expectName` in the header. */
export async function logIn(page: Page, identifier: string, password: string, expectName: string): Promise<void> {
  await page.goto("/login");
  await submitLogIn(page, identifier, password);
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, expectName);
}

/** A login that must be refused: the form says so and nobody is signed in. */
export async function expectLogInRefused(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto("/login");
  await submitLogIn(page, identifier, password);
  await expect(page.getByRole("alert")).toHaveText(BAD_LOGIN);
  await expect(page).toHaveURL(/\/login$/);
  await expectSignedOut(page);
}

export async function logOut(page: Page): Promise<void> {
  await headerNav(page).getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectSignedOut(page);
}

/** The sign-up messages for "ab" / a bad email / a 9-character password, by field label. */
export const SHORT_FIELD_ERRORS = {
  Username: "Username must be at least 3 characters",
  Email: "Enter an email address like name@example.com",
  Password: "Password must be at least 10 characters",
};

/** Each field is marked invalid and its message is tied to it (aria-describedby), not just somewhere on the page. */
export async function expectFieldErrors(page: Page, expected: Record<string, string>): Promise<void> {
  for (const [label, message] of Object.entries(expected)) {
    const input = page.getByLabel(label, { exact: true });
    await expect(input).toHaveAttribute("aria-invalid", "true");
    await expect(input).toHaveAccessibleDescription(new RegExp(message));
  }
}
