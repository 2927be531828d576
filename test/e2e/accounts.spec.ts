import { readFile } from "node:fs/promises";
import { expect, test, type Page, type Response } from "@playwright/test";
import {
  SHORT_FIELD_ERRORS,
  expectFieldErrors,
  expectLogInRefused,
  expectSignedInAs,
  expectSignedOut,
  fillSignUp,
  headerLogInLink,
  logIn,
  logOut,
  newUser,
  signedInLink,
  signUp,
  signUpElsewhere,
  submitLogIn,
} from "./accounts-fixture";

const ARTICLE = "/articles/open-vs-closed-ai-2026";

/** The sign-up action's answer: a document POST without JavaScript, a single-fetch `.data` request with it. */
const isSignUpPost = (response: Response) =>
  response.request().method() === "POST" && /^\/signup(\.data)?$/.test(new URL(response.url()).pathname);

/** The settings page's section with this heading. */
const section = (page: Page, heading: string) => page.getByRole("region", { name: heading, exact: true });

test("an account's life: sign up, log out and in, change settings and password, download the data, delete it", async ({ page }) => {
  const user = newUser();

  // Sign up: straight to the front page, signed in, the header linking to the settings.
  await signUp(page, user);

  await logOut(page);
  await logIn(page, user.username, user.password, user.username);

  // Display name: shown in the header instead of the username.
  await signedInLink(page, user.username).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  const displayName = `Forecaster ${user.username.slice(-6)}`;
  const profile = section(page, "Profile");
  await profile.getByLabel("Display name").fill(displayName);
  await profile.getByRole("button", { name: "Save display name" }).click();
  await expect(profile.getByRole("status")).toHaveText("Display name saved.");
  await expectSignedInAs(page, displayName);

  // Preference: saved, and still there after a reload.
  const preferences = section(page, "Preferences");
  const hideCrowd = preferences.getByLabel("Hide the crowd until I forecast");
  await expect(hideCrowd).not.toBeChecked();
  await hideCrowd.check();
  await preferences.getByRole("button", { name: "Save preferences" }).click();
  await expect(preferences.getByRole("status")).toHaveText("Preferences saved.");
  await page.reload();
  await expect(section(page, "Preferences").getByLabel("Hide the crowd until I forecast")).toBeChecked();

  // Password: a wrong current password is refused next to its field; the right one works.
  const newPassword = `${user.password}-renewed`;
  const password = section(page, "Password");
  const currentPassword = password.getByLabel("Current password", { exact: true });
  const fillPasswordForm = async (current: string) => {
    await currentPassword.fill(current);
    await password.getByLabel("New password", { exact: true }).fill(newPassword);
    await password.getByLabel("Repeat new password", { exact: true }).fill(newPassword);
    await password.getByRole("button", { name: "Change password" }).click();
  };
  await fillPasswordForm(`${user.password}-wrong`);
  await expect(currentPassword).toHaveAttribute("aria-invalid", "true");
  await expect(currentPassword).toHaveAccessibleDescription("That is not your current password");
  await expect(password.getByRole("status")).toHaveText("");
  await fillPasswordForm(user.password);
  await expect(password.getByRole("status")).toHaveText("Password changed. 0 other sessions were signed out.");
  await expect(currentPassword).not.toHaveAttribute("aria-invalid", "true");
  await expectSignedInAs(page, displayName);

  // The new password opens the account, the old one no longer does.
  await logOut(page);
  await expectLogInRefused(page, user.username, user.password);
  await logIn(page, user.email, newPassword, displayName);

  // Download my data: one JSON file with the account in it.
  await page.goto("/settings");
  const downloading = page.waitForEvent("download");
  await section(page, "Your data").getByRole("link", { name: "Download my data" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`crowdline-${user.username}.json`);
  const exportedText = await readFile(await download.path(), "utf8");
  expect(JSON.parse(exportedText)).toMatchObject({
    account: { username: user.username, email: user.email, displayName, preferences: { hideCrowdUntilForecast: true } },
  });
  // Nothing that could open the account: neither the password nor its hash.
  expect(exportedText).not.toContain(newPassword);
  expect(exportedText).not.toMatch(/passwordHash|\$argon2/);

  // Delete: confirmed by typing the username; back on the front page, signed out for good.
  const danger = section(page, "Delete my account");
  await danger.getByLabel(`Type your username, ${user.username}, to confirm`).fill(user.username);
  await danger.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectSignedOut(page);
  await expect(page.getByRole("heading", { name: "Analyses open for forecasting" })).toBeVisible();
  await expectLogInRefused(page, user.username, newPassword);
  await expectLogInRefused(page, user.email, newPassword);
});

test("the header's Log in link brings the reader back to the article afterwards", async ({ page, browser }) => {
  const user = newUser();
  await signUpElsewhere(browser, user);

  await page.goto(ARTICLE);
  await expectSignedOut(page);
  await headerLogInLink(page).click();
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Farticles%2Fopen-vs-closed-ai-2026$/);
  await submitLogIn(page, user.username, user.password);
  await expect(page).toHaveURL(new RegExp(`${ARTICLE}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Open vs Closed AI 2026/);
  await expectSignedInAs(page, user.username);
});

test("a redirectTo pointing at another site lands on the front page instead", async ({ page, browser, baseURL }) => {
  const user = newUser();
  await signUpElsewhere(browser, user);

  await page.goto("/login?redirectTo=//evil.example");
  await submitLogIn(page, user.username, user.password);
  await expect(page).toHaveURL(`${baseURL}/`);
  await expectSignedInAs(page, user.username);
});

test.describe("sign-up validation", () => {
  test("an empty form names every missing field", async ({ page }) => {
    await page.goto("/signup");
    await page.getByRole("button", { name: "Create account" }).click();
    const expected = { Username: "Username is required", Email: "Email is required", Password: "Password is required" };
    for (const [label, message] of Object.entries(expected)) {
      const input = page.getByLabel(label, { exact: true });
      await expect(input).toHaveAttribute("aria-invalid", "true");
      await expect(input).toHaveAccessibleDescription(new RegExp(message));
    }
    await expect(page).toHaveURL(/\/signup$/);
    await expectSignedOut(page);
  });

  test("a short username, a malformed email and a short password each get their own message", async ({ page }) => {
    await page.goto("/signup");
    await fillSignUp(page, { username: "ab", email: "not-an-email", password: "123456789" });
    await expectFieldErrors(page, SHORT_FIELD_ERRORS);
    await expect(page.getByText("Username must be at least 3 characters")).toHaveCount(1);
    await expect(page).toHaveURL(/\/signup$/);
  });

  test("a username already taken is refused by the server with a clear message", async ({ page, browser }) => {
    const first = newUser();
    await signUpElsewhere(browser, first);

    const second = newUser();
    await page.goto("/signup");
    const answered = page.waitForResponse(isSignUpPost);
    await fillSignUp(page, { ...second, username: first.username.toUpperCase() });
    expect((await answered).status()).toBe(409);
    const username = page.getByLabel("Username", { exact: true });
    await expect(username).toHaveAttribute("aria-invalid", "true");
    await expect(username).toHaveAccessibleDescription(/That username is taken; try another/);
    await expect(page.getByLabel("Email", { exact: true })).not.toHaveAttribute("aria-invalid", "true");
    await expectSignedOut(page);
  });

  test("a password equal to the username is refused", async ({ page }) => {
    const user = newUser();
    await page.goto("/signup");
    await fillSignUp(page, { ...user, password: user.username });
    const password = page.getByLabel("Password", { exact: true });
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(password).toHaveAccessibleDescription(/Password must not be your username or email/);
    await expect(page).toHaveURL(/\/signup$/);
    await expectSignedOut(page);
  });

  test("without JavaScript the server's messages still show (progressive enhancement)", async ({ browser }) => {
    const taken = newUser();
    await signUpElsewhere(browser, taken);

    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto("/signup");
      // The client-side checks cannot run: every message below comes from the server's page.
      const answered = page.waitForResponse(isSignUpPost);
      await fillSignUp(page, { username: "ab", email: "someone@localhost", password: "123456789" });
      expect((await answered).status()).toBe(422);
      await expectFieldErrors(page, SHORT_FIELD_ERRORS);
      // What was typed survives the round trip, except the password.
      await expect(page.getByLabel("Username", { exact: true })).toHaveValue("ab");
      await expect(page.getByLabel("Email", { exact: true })).toHaveValue("someone@localhost");
      await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");

      const user = newUser();
      await fillSignUp(page, { ...user, password: user.username });
      await expect(page.getByLabel("Password", { exact: true })).toHaveAccessibleDescription(/Password must not be your username or email/);
      await expect(page.getByLabel("Username", { exact: true })).not.toHaveAttribute("aria-invalid", "true");

      await fillSignUp(page, { username: taken.username, email: user.email, password: user.password });
      await expect(page.getByLabel("Username", { exact: true })).toHaveAccessibleDescription(/That username is taken; try another/);
      await expectSignedOut(page);

      // And a good sign-up goes through as a plain form post and redirect.
      await fillSignUp(page, user);
      await expect(page).toHaveURL(/\/$/);
      await expectSignedInAs(page, user.username);
    } finally {
      await context.close();
    }
  });
});

test("the login form works from the keyboard alone", async ({ page, browser, isMobile }) => {
  test.skip(isMobile, "no hardware keyboard on the phone profile");
  const user = newUser();
  await signUpElsewhere(browser, user);

  await page.goto("/login");
  const identifier = page.getByLabel("Username or email");
  await identifier.focus();
  await page.keyboard.type(user.username);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(user.password);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Log in" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, user.username);
});

test("the settings need a signed-in user and the user admin needs an admin", async ({ page, browser }) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings$/);
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeVisible();

  const reader = newUser();
  await signUpElsewhere(browser, reader);
  await submitLogIn(page, reader.username, reader.password);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByText(`Signed in as ${reader.username} (${reader.email}).`)).toBeVisible();

  const response = await page.goto("/admin/users");
  expect(response?.status()).toBe(403);
  await expect(page.getByText("Error 403")).toBeVisible();
  await expect(page.getByRole("heading", { name: "This page isn’t open to your account" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
  await expect(page.getByText(reader.email)).toHaveCount(0);
  // A reader's header has no way into the admin either.
  await page.goto("/");
  await expectSignedInAs(page, reader.username);
  await expect(page.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
});

test("changing the password signs out the account's other sessions, not this one", async ({ page, browser }) => {
  const user = newUser();
  await signUp(page, user);

  const other = await browser.newContext();
  try {
    const otherPage = await other.newPage();
    await logIn(otherPage, user.username, user.password, user.username);

    await page.goto("/settings");
    const password = section(page, "Password");
    const newPassword = `${user.password}-2`;
    await password.getByLabel("Current password", { exact: true }).fill(user.password);
    await password.getByLabel("New password", { exact: true }).fill(newPassword);
    await password.getByLabel("Repeat new password", { exact: true }).fill(newPassword);
    await password.getByRole("button", { name: "Change password" }).click();
    await expect(password.getByRole("status")).toHaveText("Password changed. 1 other session was signed out.");

    await otherPage.goto(ARTICLE);
    await expectSignedOut(otherPage);
    // The dead cookie was cleared, and the settings now want a login.
    expect((await other.cookies()).map((cookie) => cookie.name)).not.toContain("__Host-session");
    await otherPage.goto("/settings");
    await expect(otherPage).toHaveURL(/\/login\?redirectTo=%2Fsettings$/);

    await page.reload();
    await expectSignedInAs(page, user.username);
    await page.goto(ARTICLE);
    await expectSignedInAs(page, user.username);
  } finally {
    await other.close();
  }
});

test("the session cookie is host-only, Secure, HttpOnly and SameSite=Lax", async ({ page, context, browser, baseURL }) => {
  const user = newUser();
  await signUpElsewhere(browser, user);
  expect(await context.cookies()).toEqual([]);

  await logIn(page, user.username, user.password, user.username);
  const cookies = await context.cookies();
  expect(cookies.map((cookie) => cookie.name)).toEqual(["__Host-session"]);
  const [session] = cookies;
  expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/", domain: new URL(baseURL!).hostname });
  // Host-only: a Domain attribute would show as a leading dot and reach sibling hosts.
  expect(session!.domain.startsWith(".")).toBe(false);
  expect(session!.value).toMatch(/^[a-z2-7]{32}$/);
  // A persistent cookie (about 30 days), not one that dies with the browser.
  const days = (session!.expires * 1000 - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(29);
  expect(days).toBeLessThanOrEqual(30);
  // HttpOnly for real: the page's scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain("__Host-session");

  await logOut(page);
  expect(await context.cookies()).toEqual([]);
});
