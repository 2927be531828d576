// The writer answers 200 only once a forecast's group commit has committed. So killing the
// server at any moment may lose saves nobody was told about, never one that was acknowledged, and
// never half of a group: this runs the production bundle, kills it with SIGKILL in the middle of
// a burst, and reads the file it leaves behind.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sessionCookieSettings } from "~/auth/session.server";
import { createDb } from "~/db.server";
import { normalise } from "~/domain/forecast";
import { probabilityFieldName } from "~/domain/probability-fields";
import { projectRoot } from "../prisma/database-url";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { freePort } from "../test/free-port";
import { createSignedInReaders } from "../test/signed-in-readers";

// Fewer readers than saves before the kill: many update their forecast, so superseding is part of
// what must not be left half-written.
const READERS = 40;
const REQUESTS = 400;
const IN_FLIGHT = 64;
const KILL_AFTER_ACKNOWLEDGED = 50;

const scratch = mkdtempSync(path.join(projectRoot, ".tmp/durability-"));
const databaseUrl = `file:${path.join(scratch, "app.db")}`;
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

interface Server {
  origin: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The production bundle on the test's own file; resolves once it listens and /healthz answers. */
async function startServer(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(projectRoot, "build/server.js")], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL: "", ALLOWED_ORIGINS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  let output = "";
  const listening = new Promise<void>((resolve, reject) => {
    const keep = (chunk: Buffer) => {
      // Only the start-up is worth keeping; later request lines are read and dropped.
      if (output.length < 20_000) output += chunk.toString();
      if (output.includes("Crowdline listening")) resolve();
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    void exited.then(({ code, signal }) => reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n${output}`)));
  });
  await listening;
  const origin = `http://127.0.0.1:${port}`;
  const health = await fetch(`${origin}/healthz`);
  expect(health.status).toBe(200);
  return { origin, child, exited };
}


/** A different vector per request, so that a stored row names the one request it came from. */
function percentagesOf(request: number): number[] {
  const first = 10 + (request % 40);
  const second = 10 + Math.floor(request / 40);
  return [first, second, 100 - first - second];
}

describe("forecast durability", () => {
  it("a killed server loses no acknowledged forecast", { timeout: 30_000 }, async () => {
    const server = await startServer();
    const setupDb = createDb(databaseUrl);
    const question = await setupDb.question.findFirstOrThrow({
      where: { kind: "scenarios", article: { slug: openVsClosedAi2026.slug } },
      select: { id: true, scenarios: { orderBy: { position: "asc" }, select: { id: true } } },
    });
    const readers = await createSignedInReaders(setupDb, READERS, "durability");
    await setupDb.$disconnect();

    const cookieName = sessionCookieSettings("production").name;
    const acknowledged: { userId: string; percentages: number[] }[] = [];
    let unanswered = 0;
    let next = 0;
    const save = async (request: number) => {
      const reader = readers[request % READERS]!;
      const percentages = percentagesOf(request);
      const body = new URLSearchParams({ intent: "save" });
      question.scenarios.forEach((scenario, index) => body.set(probabilityFieldName(scenario.id), String(percentages[index])));
      try {
        const response = await fetch(`${server.origin}/questions/${question.id}.data`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: server.origin, Cookie: `${cookieName}=${reader.token}` },
          body,
        });
        // The status is the acknowledgement: the action sends it only after the commit, even if
        // the kill then cuts the body short.
        await response.arrayBuffer().catch(() => undefined);
        if (response.status !== 200) throw new Error(`save answered ${response.status}`);
        acknowledged.push({ userId: reader.userId, percentages });
        if (acknowledged.length === KILL_AFTER_ACKNOWLEDGED) server.child.kill("SIGKILL");
        return true;
      } catch (error) {
        // Only the kill may cut a save short; anything else is a bug, not durability.
        if (server.child.exitCode === null && server.child.signalCode === null && !server.child.killed) throw error;
        unanswered += 1;
        return false;
      }
    };
    const worker = async () => {
      while (next < REQUESTS) if (!(await save(next++))) return;
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
    // The kill landed in the middle of the burst, with saves still unanswered.
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED);
    expect(unanswered).toBeGreaterThan(0);

    const db = createDb(databaseUrl);
    try {
      const stored = await db.forecast.findMany({
        where: { questionId: question.id },
        select: { userId: true, probabilities: true, supersededAt: true, withdrawnAt: true },
      });
      const storedKeys = new Set(stored.map((row) => `${row.userId} ${row.probabilities}`));
      const lost = acknowledged.filter(({ userId, percentages }) => !storedKeys.has(`${userId} ${JSON.stringify(normalise(percentages))}`));
      expect(lost).toEqual([]);

      const { aggregateVersion } = await db.question.findUniqueOrThrow({ where: { id: question.id }, select: { aggregateVersion: true } });
      const snapshots = await db.aggregateSnapshot.findMany({ where: { questionId: question.id }, orderBy: { version: "desc" }, select: { version: true, count: true } });
      expect(aggregateVersion).toBe(snapshots.length);
      const current = stored.filter((row) => row.supersededAt === null && row.withdrawnAt === null);
      const forecasters = new Set(stored.map((row) => row.userId));
      const currentForecasters = new Set(current.map((row) => row.userId));
      expect(current.length).toBe(forecasters.size);
      expect(currentForecasters.size).toBe(forecasters.size);
      // The newest snapshot was written in the same transaction as the newest forecasts.
      expect(snapshots[0]?.count).toBe(current.length);

      const restarted = await startServer();
      const response = await fetch(`${restarted.origin}/api/questions/${question.id}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { aggregate: { version: number; count: number } | null };
      expect(body.aggregate).toMatchObject({ version: aggregateVersion, count: currentForecasters.size });
      restarted.child.kill("SIGTERM");
      expect(await restarted.exited).toEqual({ code: 0, signal: null });
    } finally {
      await db.$disconnect();
    }
  });
});
