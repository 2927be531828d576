import { expect, test } from "@playwright/test";

interface Violation {
  directive: string;
  blockedURI: string;
  sample: string;
}

declare global {
  interface Window {
    __cspViolations: Violation[];
    /** Set by Remix's client when it starts. */
    __remixRouter?: unknown;
    __sameDocument?: boolean;
    __injectedScriptRan?: boolean;
  }
}

test("the article page loads, hydrates and navigates without a single CSP violation", async ({ page }) => {
  // Init scripts come in through the DevTools protocol, which the page's CSP does not govern,
  // and run before any of the page's own scripts.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push({ directive: event.effectiveDirective, blockedURI: event.blockedURI, sample: event.sample });
    });
  });
  const cspConsoleMessages: string[] = [];
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspConsoleMessages.push(message.text());
  });

  const response = await page.goto("/articles/open-vs-closed-ai-2026");
  // Zero violations would prove nothing if no policy were sent.
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);

  // Remix's client only sets up its router once its inline and module scripts have run; a
  // blocked script stops it for good, so a violation ends the wait too, with a readable failure.
  await page.waitForFunction(() => window.__remixRouter !== undefined || window.__cspViolations.length > 0);
  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
  await page.evaluate(() => (window.__sameDocument = true));
  await page.getByRole("link", { name: "Articles", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Analyses open for forecasting" })).toBeVisible();
  // Still the same document: Remix navigated client-side (its data request included), which
  // needs the hydrated app.
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);

  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
  expect(cspConsoleMessages).toEqual([]);
});

test("an inline script without the nonce is refused and reported", async ({ page }) => {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push({ directive: event.effectiveDirective, blockedURI: event.blockedURI, sample: event.sample });
    });
  });
  await page.goto("/articles/open-vs-closed-ai-2026");

  // What an injection would look like: the page's own nonce is not known to the attacker.
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injectedScriptRan = true;";
    document.body.append(script);
  });
  await expect.poll(() => page.evaluate(() => window.__cspViolations.map((violation) => violation.directive))).toContain("script-src-elem");
  expect(await page.evaluate(() => window.__injectedScriptRan)).toBeUndefined();
});
