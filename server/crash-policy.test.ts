// The crash policy (docs/decisions/014) on the production bundle: a stray rejection is logged and
// the server carries on; an uncaught exception is logged as fatal and the process stops the way
// SIGTERM stops it — the request in flight is answered — then exits 70 for its supervisor.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../prisma/database-url";
import { freePort } from "../test/free-port";

const CRASH_EXIT_CODE = 70;
const children: ReturnType<typeof spawn>[] = [];
const databaseDirs: string[] = [];
afterAll(() => {
  children.forEach((child) => child.kill("SIGKILL"));
  databaseDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

interface LogLine {
  level: number;
  msg: string;
  err?: { message?: string };
}

/** `node --import test/fixtures/crash-triggers.js build/server.js` on a fresh SQLite file; resolves once it listens. */
async function startServer() {
  const port = await freePort();
  const databaseDir = mkdtempSync(path.join(projectRoot, ".tmp/crash-"));
  databaseDirs.push(databaseDir);
  const databaseUrl = `file:${path.join(databaseDir, "app.db")}`;
  const child = spawn(process.execPath, ["--import", path.join(projectRoot, "test/fixtures/crash-triggers.js"), path.join(projectRoot, "build/server.js")], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: databaseUrl, REDIS_URL: "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  const logs: LogLine[] = [];
  const waiters: { accept: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as LogLine;
    logs.push(line);
    for (const waiter of waiters.filter(({ accept }) => accept(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  let stderr = "";
  const stderrLines = createInterface({ input: child.stderr! });
  stderrLines.on("line", (text) => (stderr += `${text}\n`));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  /** The first log line (already written or still to come) that `accept` takes. */
  const logLine = (accept: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(accept);
      if (seen) return resolve(seen);
      waiters.push({ accept, resolve });
      void exited.then((code) => reject(new Error(`server exited with ${code} first; stderr: ${stderr}`)));
    });
  const stderrLine = (wanted: string) =>
    new Promise<void>((resolve) => {
      if (stderr.includes(wanted)) return resolve();
      stderrLines.on("line", (text) => text.includes(wanted) && resolve());
    });

  await logLine((line) => line.msg.startsWith("Crowdline listening"));
  return {
    origin: `http://127.0.0.1:${port}`,
    logs,
    logLine,
    stderrLine,
    exited,
    send: (command: "reject" | "throw" | "release") => child.stdin!.write(`${command}\n`),
    exitCode: () => child.exitCode,
  };
}

describe("crash policy (production bundle)", () => {
  it("logs an unhandled rejection at error and keeps serving", async () => {
    const server = await startServer();
    server.send("reject");
    const logged = await server.logLine((line) => line.msg.includes("unhandled promise rejection"));
    expect(logged.level).toBe(50);
    expect(logged.err?.message).toBe("boom: rejected in the background");

    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: "ok" });
    expect(server.exitCode()).toBeNull();
    expect(server.logs.some((line) => line.msg === "shutting down")).toBe(false);
  });

  it("on an uncaught exception logs it as fatal, answers the request in flight, stops and exits 70", async () => {
    const server = await startServer();
    const inFlight = fetch(`${server.origin}/__held`);
    await server.stderrLine("crash-triggers: holding a request");

    server.send("throw");
    const fatal = await server.logLine((line) => line.level === 60);
    expect(fatal.msg).toContain("uncaught exception");
    expect(fatal.err?.message).toBe("boom: thrown from a timer");
    await server.logLine((line) => line.msg === "shutting down");
    // The held request keeps the process in its drain: it has not exited, nor said it stopped.
    expect(server.exitCode()).toBeNull();
    expect(server.logs.some((line) => line.msg === "stopped")).toBe(false);

    server.send("release");
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("released");
    expect(await server.exited).toBe(CRASH_EXIT_CODE);
    const messages = server.logs.map((line) => line.msg);
    expect(messages.indexOf("shutting down")).toBeGreaterThan(messages.indexOf(fatal.msg));
    expect(messages.indexOf("stopped")).toBeGreaterThan(messages.indexOf("shutting down"));
  });
});
