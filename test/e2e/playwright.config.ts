import { mkdirSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./chromium";

const projectRoot = path.resolve(import.meta.dirname, "../..");

// Workers re-evaluate this file; values set on process.env here are inherited by them, so the
// port and the database are chosen once per run.
process.env.E2E_PORT ??= String(20_000 + (process.pid % 20_000));
if (!process.env.E2E_DATABASE_URL) {
  mkdirSync(path.join(projectRoot, ".tmp"), { recursive: true });
  process.env.E2E_DATABASE_URL = `file:${path.join(mkdtempSync(path.join(projectRoot, ".tmp/e2e-")), "e2e.db")}`;
}
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
const XSS_SPEC = /discussion-xss\.spec\.ts$/;

export default defineConfig({
  testDir: ".",
  outputDir: path.join(projectRoot, ".tmp/e2e-results"),
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Two workers on two cores with a server and browsers beside them: a busy moment can take more
  // than Playwright's default 5 s for a save or a post to show.
  expect: { timeout: 10_000 },
  // Specs with two or three sign-ups (argon2) and live pages run past 30 s at such moments.
  timeout: 60_000,
  workers: 2,
  reporter: [["list"]],
  use: { baseURL, launchOptions: chromiumLaunchOptions(), trace: "retain-on-failure" },
  projects: [
    { name: "desktop", testIgnore: XSS_SPEC, use: { ...devices["Desktop Chrome"], launchOptions: chromiumLaunchOptions() } },
    { name: "mobile", testIgnore: XSS_SPEC, use: { ...devices["Pixel 7"], launchOptions: chromiumLaunchOptions() } },
    // 144 comments posted and rendered live keep both cores busy for a minute: alone, after the
    // others, so that their timings do not depend on it. One engine, so one device.
    { name: "xss", testMatch: XSS_SPEC, dependencies: ["desktop", "mobile"], use: { ...devices["Desktop Chrome"], launchOptions: chromiumLaunchOptions() } },
  ],
  webServer: {
    command: "node build/server.js",
    cwd: projectRoot,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      NODE_ENV: "production",
      PORT: process.env.E2E_PORT,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      LOG_LEVEL: "warn",
      // Every e2e sign-up and login comes from 127.0.0.1; the limit itself is covered by the vitest integration tests.
      AUTH_RATE_LIMIT_PER_MINUTE: "1000",
      // The XSS spec posts dozens of comments as one user; the limit itself is covered by server/comments.test.ts.
      COMMENT_RATE_LIMIT_PER_MINUTE: "1000",
      // Three browsers and the server share two cores here; a refused render would be a flaky
      // test, not a finding. Shedding itself is covered by server/load-shedding.test.ts.
      LOAD_SHED_DELAY_MS: "0",
    },
  },
});
