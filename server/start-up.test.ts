// Runs the production bundle (build/server.js) the way `npm start` does.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { freePort } from "../test/free-port";
import { createPostgresDatabase, postgresSkipReason } from "../test/test-database";

const serverBundle = path.join(projectRoot, "build/server.js");
const children: ReturnType<typeof spawn>[] = [];

afterAll(() => children.forEach((child) => child.kill("SIGKILL")));

function freshDatabaseUrl() {
  return `file:${path.join(mkdtempSync(path.join(projectRoot, ".tmp/start-")), "app.db")}`;
}

/** Starts the bundle; resolves when it logs that it listens, or when it exits. */
function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [serverBundle], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return new Promise<{ listening: boolean; exitCode: number | null; stdout: string; stderr: string; kill: () => void; exited: Promise<number | null> }>((resolve) => {
    const done = (listening: boolean, exitCode: number | null) =>
      resolve({ listening, exitCode, stdout, stderr, kill: () => child.kill("SIGTERM"), exited });
    child.stdout.on("data", () => {
      if (stdout.includes("Crowdline listening")) done(true, null);
    });
    child.on("exit", (code) => done(false, code));
  });
}

describe("start-up", () => {
  it("stops with one line naming DATABASE_URL when it is malformed", async () => {
    const result = await startServer({ DATABASE_URL: "mysql://root@localhost/app", PORT: String(await freePort()) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^crowdline: Invalid setting DATABASE_URL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("stops with one line naming PORT when the port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "0.0.0.0", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await startServer({ DATABASE_URL: freshDatabaseUrl(), PORT: String(port) });
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(`crowdline: PORT ${port} is already in use; set PORT to a free port`);
    } finally {
      blocker.close();
    }
  });

  it("keeps the data of an earlier start and exits cleanly on SIGTERM", async () => {
    const databaseUrl = freshDatabaseUrl();
    for (let start = 1; start <= 2; start++) {
      const port = await freePort();
      const server = await startServer({ DATABASE_URL: databaseUrl, PORT: String(port) });
      expect(server.listening).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true, db: "ok" });
      server.kill();
      expect(await server.exited).toBe(0);
      const db = createDb(databaseUrl);
      // A row written between the starts must survive the second one (no re-creation, no re-seed).
      if (start === 1) await db.user.create({ data: { username: "kept_reader", email: "kept@example.com", passwordHash: "!" } });
      else expect(await db.user.count({ where: { username: "kept_reader" } })).toBe(1);
      expect(await db.article.count()).toBe(1);
      await db.$disconnect();
    }
  });

  it.skipIf(postgresSkipReason())(
    "starts on an empty PostgreSQL database: migrates, seeds and serves the article",
    async () => {
      const database = await createPostgresDatabase(process.env.TEST_POSTGRES_URL as string, "crowdline_start");
      try {
        const port = await freePort();
        const server = await startServer({ DATABASE_URL: database.url, PORT: String(port) });
        expect(server.listening).toBe(true);
        expect(server.stdout).toContain('"database":"postgresql"');
        const page = await fetch(`http://127.0.0.1:${port}/articles/open-vs-closed-ai-2026`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain("Capability-Tiered Coexistence");
        server.kill();
        expect(await server.exited).toBe(0);
      } finally {
        await database.drop();
      }
    },
    60_000,
  );

  it("serves a styled 500 page without a stack trace when a page fails", async () => {
    const databaseUrl = freshDatabaseUrl();
    const port = await freePort();
    const server = await startServer({ DATABASE_URL: databaseUrl, PORT: String(port) });
    expect(server.listening).toBe(true);
    try {
      const articleUrl = `http://127.0.0.1:${port}/articles/open-vs-closed-ai-2026`;
      // A cookie keeps the shared page cache out of the way: each request renders.
      const render = () => fetch(articleUrl, { headers: { cookie: "reader=1" } });
      expect((await render()).status).toBe(200);
      // Break the database under the running server, as a failed disk or a bad deploy would.
      const db = createDb(databaseUrl);
      await db.$executeRawUnsafe('DROP TABLE "Scenario"');
      await db.$disconnect();
      const response = await render();
      const html = await response.text();
      expect(response.status).toBe(500);
      expect(html).toContain("Something went wrong on our side");
      expect(html).toContain('href="/"');
      expect(html).not.toMatch(/\bat .+\.js:\d+/);
      expect(html).not.toContain("Scenario");
    } finally {
      server.kill();
    }
  });
});
