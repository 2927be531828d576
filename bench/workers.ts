// Decision 017's measurement: a CPU-bound signed-in page under 50 connections, served by one
// process, by WORKERS=1 and by WORKERS=2 (PostgreSQL and Redis, as the mode requires), from a built
// private copy of the working tree. Run: `npx tsx bench/workers.ts [built copy]` with TEST_REDIS_URL
// and TEST_POSTGRES_URL set. Prints one line per set-up. SERVER_SCRIPT names another copy of
// build/server.js inside the copy, for a shared machine where something stops processes by that name.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import os from "node:os";
import path from "node:path";
import { createDb } from "../app/db.server";
import { createPostgresDatabase } from "../test/test-database";
import { createSignedInReaders } from "../test/signed-in-readers";
import { freePort } from "../test/free-port";
import { takeCpuSnapshot } from "./cpu-usage";
import { projectRoot } from "./harness";
import { measureLoad } from "./load-test";
import { snapshotWorkingTree } from "./working-tree-snapshot";

const PAGE = "/articles/open-vs-closed-ai-2026";
const CONNECTIONS = 50;
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 10);
const DURATION_SECONDS = Number(process.env.DURATION_SECONDS ?? 30);

const redisUrl = process.env.TEST_REDIS_URL;
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!redisUrl || !postgresUrl) throw new Error("set TEST_REDIS_URL and TEST_POSTGRES_URL");

let appRoot = process.argv[2];
if (!appRoot) {
  appRoot = snapshotWorkingTree(mkdtempSync(path.join(projectRoot, ".tmp/bench-workers-")));
  execFileSync("npm", ["run", "build", "--silent"], { cwd: appRoot, stdio: "inherit" });
}

interface Started {
  child: ChildProcess;
  origin: string;
  pids: number[];
}

/** build/server.js as `npm start` runs it; resolves once it (or every worker) answers. */
async function start(env: Record<string, string>, workers: number): Promise<Started> {
  const child = spawn(process.execPath, [process.env.SERVER_SCRIPT ?? "build/server.js"], {
    cwd: appRoot,
    // Quiet, as the other benches run it: a log line per request would be measured too.
    env: { ...process.env, NODE_ENV: "production", HOST: "127.0.0.1", LOG_LEVEL: "warn", LOAD_SHED_DELAY_MS: "0", ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  let exitCode: number | null | undefined;
  child.once("exit", (code) => (exitCode = code));
  const origin = `http://127.0.0.1:${env.PORT}`;
  const answered = new Set<string>();
  // Every worker has answered once node:cluster has dealt it a connection.
  while (answered.size < workers) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before listening`);
    const worker = await healthyWorker(origin);
    if (worker !== undefined) answered.add(worker);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return { child, origin, pids: [child.pid!, ...children] };
}

/** The answering worker's number ("-" for a single process), or undefined while nothing answers 200. */
function healthyWorker(origin: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    get(`${origin}/healthz`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? String(response.headers["x-crowdline-worker"] ?? "-") : undefined);
    }).on("error", () => resolve(undefined));
  });
}

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Cores the rest of the machine keeps busy over one second: a figure above ~0.2 makes the run noise. */
async function busyCoresElsewhere(): Promise<number> {
  const busy = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]!;
  };
  const before = busy();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return (busy() - before) / clockTicks;
}

const postgresPids = () =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
      } catch {
        return false;
      }
    })
    .map(Number);

const ticks = (pids: number[]) => pids.reduce((sum, pid) => sum + (takeCpuSnapshot(pid)?.watchedTicks ?? 0), 0);

const database = await createPostgresDatabase(postgresUrl, "crowdline_bench_workers");
try {
  const sqliteUrl = `file:${path.join(mkdtempSync(path.join(projectRoot, ".tmp/bench-workers-db-")), "app.db")}`;
  const setups: { name: string; env: Record<string, string>; workers: number }[] = [
    // For reference: `npm start`'s own set-up, no database server competing for the cores.
    { name: "one process, SQLite", env: { DATABASE_URL: sqliteUrl, REDIS_URL: "" }, workers: 1 },
    { name: "one process (no WORKERS)", env: {}, workers: 1 },
    { name: "WORKERS=1", env: { WORKERS: "1" }, workers: 1 },
    { name: "WORKERS=2", env: { WORKERS: "2" }, workers: 2 },
  ];
  console.log(`${os.cpus()[0]?.model}, ${os.availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString()}`);
  console.log(`GET ${PAGE} signed in, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, ${DURATION_SECONDS} s measured, load shedding off`);
  for (const setup of setups) {
    const port = String(await freePort());
    const server = await start({ DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_PREFIX: `bench-workers-${port}`, PORT: port, ...setup.env }, setup.workers);
    try {
      // The server has migrated and seeded by now.
      const db = createDb(setup.env.DATABASE_URL ?? database.url);
      const [reader] = await createSignedInReaders(db, 1, "bench_workers");
      await db.$disconnect();
      const cookie = `__Host-session=${reader!.token}`;
      const idleBusyCores = await busyCoresElsewhere();
      const url = `${server.origin}${PAGE}`;
      const check = await fetch(url, { headers: { cookie } });
      if (check.status !== 200 || !(await check.text()).includes("Log out")) throw new Error(`${url} answered ${check.status} or not signed in`);
      await measureLoad(url, server.pids[0]!, { connections: CONNECTIONS, warmupSeconds: 0, durationSeconds: WARMUP_SECONDS, headers: { cookie } });
      // measureLoad watches one process; the server is the primary and its workers together.
      const ticksBefore = ticks(server.pids);
      const postgresBefore = ticks(postgresPids());
      const startedAt = performance.now();
      const result = await measureLoad(url, server.pids[0]!, { connections: CONNECTIONS, warmupSeconds: 0, durationSeconds: DURATION_SECONDS, headers: { cookie } });
      const seconds = (performance.now() - startedAt) / 1000;
      const serverCores = (ticks(server.pids) - ticksBefore) / clockTicks / seconds;
      // PostgreSQL's backends run the page's queries: on one machine they compete for the same cores.
      const postgresCores = (ticks(postgresPids()) - postgresBefore) / clockTicks / seconds;
      console.log(
        JSON.stringify({
          setup: setup.name,
          busyCoresBefore: Number(idleBusyCores.toFixed(2)),
          requestsPerSecond: Math.round(result.requestsPerSecond),
          p50Ms: result.latencyP50Ms,
          p99Ms: result.latencyP99Ms,
          errors: result.errors,
          non2xx: result.non2xx,
          serverCores: Number(serverCores.toFixed(2)),
          postgresCores: Number(postgresCores.toFixed(2)),
          primaryCores: result.cpu ? Number(result.cpu.watched.toFixed(2)) : undefined,
          loadGeneratorCores: result.cpu ? Number(result.cpu.reapedChildren.toFixed(2)) : undefined,
          // Everything but the load generator and the watched pids: workers, PostgreSQL, the rest.
          machineCores: result.cpu ? Number((result.cpu.watched + result.cpu.other).toFixed(2)) : undefined,
        }),
      );
    } finally {
      // It may already be gone (a crash, or someone else's clean-up); then there is no exit to wait for.
      if (server.child.exitCode === null && server.child.signalCode === null) {
        const exited = new Promise((resolve) => server.child.once("exit", resolve));
        server.child.kill("SIGTERM");
        await exited;
      }
    }
  }
} finally {
  await database.drop();
}
