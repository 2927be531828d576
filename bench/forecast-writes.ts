// Saving forecasts, the one write path that has to keep up with a crowd: through the real action
// over HTTP (session cookie, Origin check, form parsing, the group-commit writer), on SQLite and,
// when a server is configured, PostgreSQL. Afterwards the database is read back, because a fast
// writer that acknowledges what it did not store would be worse than a slow one.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { sessionCookieSettings } from "../app/auth/session.server";
import { createDb, type Db } from "../app/db.server";
import { normalise } from "../app/domain/forecast";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { resolveDatabaseUrl, sqliteFilePath } from "../prisma/database-url";
import { freePort } from "../test/free-port";
import { createPostgresDatabase } from "../test/test-database";
import { type CpuShares, cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import {
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  LOOPBACK,
  builtServerEnv,
  freshDatabaseUrl,
  projectRoot,
  spawnGroup,
  waitForHealthy,
} from "./harness";
import type { LoadEvent, LoadOutcome, LoadPlan } from "./forecast-load";
import { createSignedInReaders } from "../test/signed-in-readers";

// The warm-up also fills the session lookup cache (docs/decisions/011): the first seconds after a
// cold start, with every reader's session still to be read once, run at about two thirds of the rate.
const LOAD = { concurrency: 64, warmupSeconds: 5, durationSeconds: 10, readers: 2_000 };
// Latency is read at the target rate, not at saturation: 64 saves kept in flight against a server
// that is always busy measure only its queue (Little's law: 64 / rate).
const PACED = { warmupSeconds: 2, durationSeconds: 10 };

interface Target {
  perSecond: number;
  p99Ms?: number;
}
const TARGETS: Record<"SQLite" | "PostgreSQL", Target> = {
  SQLite: { perSecond: 1_000, p99Ms: 100 },
  PostgreSQL: { perSecond: 500 },
};

/** Set (to anything) to run the servers under `node --cpu-prof` and report where their time went. */
const PROFILE = Boolean(process.env.BENCH_CPU_PROFILE);
// SQLITE_BUSY is the code; "database is locked" is how SQLite words it in messages.
const BUSY_PATTERN = /SQLITE_BUSY|database is locked/g;
const loadScript = path.join(projectRoot, "bench/forecast-load.ts");

// Ctrl-C reaches only the runner when it is not run from a terminal; the load must stop with it.
const loadGenerators = new Set<ChildProcess>();
process.on("exit", () => loadGenerators.forEach((child) => child.kill("SIGKILL")));


interface BenchServer {
  origin: string;
  pid: number;
  stop: () => Promise<void>;
  log: () => string;
  profileDir: string | undefined;
}

async function startServer({ appRoot, tmpDir }: BenchContext, label: string, databaseUrl: string): Promise<BenchServer> {
  const port = await freePort();
  const origin = `http://${LOOPBACK}:${port}`;
  const logFile = path.join(tmpDir, `forecast-writes-${label}.log`);
  const profileDir = PROFILE ? mkdtempSync(path.join(tmpDir, `cpu-profile-${label}-`)) : undefined;
  const nodeArgs = [...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), "build/server.js"];
  // A shell that execs node keeps the server's pid as the group leader's (its CPU is what gets
  // sampled) and sends its whole output to a file: the harness keeps only a tail, and SQLITE_BUSY
  // must be searched for in all of it.
  const script = 'log="$1"; shift; exec "$@" >"$log" 2>&1';
  const startedAt = performance.now();
  const group = spawnGroup(appRoot, "/bin/sh", ["-c", script, "sh", logFile, process.execPath, ...nodeArgs], builtServerEnv(port, databaseUrl));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  try {
    // PostgreSQL's migrate deploy alone takes ~11 s (see docs/STACK.md).
    await waitForHealthy(`${origin}/healthz`, group, startedAt, 90_000);
  } catch (error) {
    await group.stop();
    throw new Error(`${(error as Error).message}\nserver output:\n${log().slice(-4000)}`);
  }
  return { origin, pid: group.pid, stop: group.stop, log, profileDir };
}

interface Footprint {
  rssMB: number;
  /** Descriptors the server holds open on the SQLite file: one per connection. */
  databaseHandles: number | undefined;
}

/** Linux only (/proc), like the CPU figures; undefined elsewhere. */
function serverFootprint(pid: number, sqliteFile: string | undefined): Footprint | undefined {
  try {
    const rssKB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
    const fdDir = `/proc/${pid}/fd`;
    const handles = (target: string) =>
      readdirSync(fdDir).filter((fd) => {
        try {
          return readlinkSync(path.join(fdDir, fd)) === target;
        } catch {
          return false;
        }
      }).length;
    return { rssMB: rssKB / 1024, databaseHandles: sqliteFile === undefined ? undefined : handles(sqliteFile) };
  } catch {
    return undefined;
  }
}

interface LoadRun {
  outcome: LoadOutcome;
  cpu: CpuShares | undefined;
  /** Taken when the measured window ends, while the server is still loaded. */
  footprint: Footprint | undefined;
}

async function runLoadGenerator(plan: LoadPlan, serverPid: number, sqliteFile: string | undefined, tmpDir: string): Promise<LoadRun> {
  const dir = mkdtempSync(path.join(tmpDir, "forecast-load-"));
  const planFile = path.join(dir, "plan.json");
  const resultFile = path.join(dir, "result.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const child = spawn(process.execPath, ["--import", "tsx", loadScript, planFile, resultFile], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  loadGenerators.add(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let before: ReturnType<typeof takeCpuSnapshot>;
  let cpu: CpuShares | undefined;
  let footprint: Footprint | undefined;
  createInterface({ input: child.stdout }).on("line", (line) => {
    let event: LoadEvent;
    try {
      event = JSON.parse(line) as LoadEvent;
    } catch {
      return;
    }
    if (event.event === "measuring") before = takeCpuSnapshot(serverPid);
    else if (before) {
      const after = takeCpuSnapshot(serverPid);
      cpu = after && cpuSharesBetween(before, after);
      footprint = serverFootprint(serverPid, sqliteFile);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  loadGenerators.delete(child);
  if (code !== 0) throw new Error(`the load generator failed (code ${code}, signal ${signal}):\n${stderr}`);
  return { outcome: JSON.parse(readFileSync(resultFile, "utf8")) as LoadOutcome, cpu, footprint };
}

interface StoredCounts {
  forecasts: number;
  superseded: number;
  snapshots: number;
}

const storedCounts = async (db: Db, questionId: string): Promise<StoredCounts> => ({
  forecasts: await db.forecast.count({ where: { questionId } }),
  superseded: await db.forecast.count({ where: { questionId, supersededAt: { not: null } } }),
  snapshots: await db.aggregateSnapshot.count({ where: { questionId } }),
});

interface Consistency {
  forecastRows: number;
  /** Earlier forecasts closed by a reader's update: rows updated rather than inserted. */
  supersededRows: number;
  snapshotRows: number;
  /** Readers who got at least one 200. */
  acknowledgedReaders: number;
  /** Acknowledged readers whose current forecast is missing, doubled, or not their last acknowledged one. */
  wrongCurrent: number;
  /** Readers (acknowledged or not) with more than one current forecast. */
  severalCurrent: number;
  aggregateVersion: number;
  totalSnapshots: number;
}

async function checkDatabase(db: Db, questionId: string, before: StoredCounts, acknowledged: Record<string, number[]>): Promise<Consistency> {
  const after = await storedCounts(db, questionId);
  const { aggregateVersion } = await db.question.findUniqueOrThrow({ where: { id: questionId }, select: { aggregateVersion: true } });
  const current = await db.forecast.findMany({ where: { questionId, supersededAt: null, withdrawnAt: null }, select: { userId: true, probabilities: true } });
  const currentByUser = new Map<string, string[]>();
  for (const row of current) currentByUser.set(row.userId ?? "", [...(currentByUser.get(row.userId ?? "") ?? []), row.probabilities]);
  const wrongCurrent = Object.entries(acknowledged).filter(([userId, percentages]) => {
    const rows = currentByUser.get(userId) ?? [];
    return rows.length !== 1 || rows[0] !== JSON.stringify(normalise(percentages));
  }).length;
  return {
    forecastRows: after.forecasts - before.forecasts,
    supersededRows: after.superseded - before.superseded,
    snapshotRows: after.snapshots - before.snapshots,
    acknowledgedReaders: Object.keys(acknowledged).length,
    wrongCurrent,
    severalCurrent: [...currentByUser.values()].filter((rows) => rows.length > 1).length,
    aggregateVersion,
    totalSnapshots: after.snapshots,
  };
}

interface ProfileSummary {
  /** Self time by package (node_modules), bundle file, or V8's own categories (GC, idle). */
  byPlace: [string, number][];
  byFunction: [string, number][];
  totalMs: number;
  idleMs: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName || "(anonymous)";
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith("node:")) return "node internals";
  // The only WebAssembly the server loads is Prisma's query compiler (engineType "client").
  if (url.startsWith("wasm://")) return "WebAssembly (Prisma query compiler)";
  // The Remix build is imported with a cache-busting query string.
  const file = url.replace(/[?#].*$/, "");
  return file.includes("/build/") ? `build/${path.basename(file)}` : path.basename(file);
}

function summariseProfile(dir: string | undefined): ProfileSummary | undefined {
  const file = dir && readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!dir || !file) return undefined;
  const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id);
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    if (!frame) return;
    totalMs += ms;
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    const name = `${frame.functionName || "(anonymous)"} (${place}${frame.url ? `:${frame.lineNumber + 1}` : ""})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  });
  const top = (map: Map<string, number>, count: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  return { byPlace: top(byPlace, 12), byFunction: top(byFunction, 15), totalMs, idleMs: byPlace.get("(idle)") ?? 0 };
}

interface DatabaseRun {
  label: keyof typeof TARGETS;
  load: LoadOutcome;
  /** Open loop at the target rate, right after: the latency readers see at that load. */
  paced: LoadOutcome;
  cpu: CpuShares | undefined;
  footprint: Footprint | undefined;
  busyMentions: number;
  consistency: Consistency;
  profile: ProfileSummary | undefined;
}

async function measureOn(context: BenchContext, label: DatabaseRun["label"], databaseUrl: string): Promise<DatabaseRun> {
  context.log(`forecast writes, ${label}: starting the built server on a fresh database`);
  const server = await startServer(context, label, databaseUrl);
  const db = createDb(databaseUrl);
  let stopped = false;
  try {
    const question = await db.question.findFirstOrThrow({
      where: { kind: "scenarios", article: { slug: openVsClosedAi2026.slug } },
      select: { id: true, scenarios: { orderBy: { position: "asc" }, select: { id: true } } },
    });
    context.log(`forecast writes, ${label}: creating ${LOAD.readers} readers with sessions`);
    const readers = await createSignedInReaders(db, LOAD.readers, "bench");
    const before = await storedCounts(db, question.id);
    const plan: LoadPlan = {
      origin: server.origin,
      actionPath: `/questions/${question.id}.data`,
      scenarioIds: question.scenarios.map((scenario) => scenario.id),
      cookieName: sessionCookieSettings("production").name,
      readers,
      concurrency: LOAD.concurrency,
      warmupSeconds: LOAD.warmupSeconds,
      durationSeconds: LOAD.durationSeconds,
    };
    context.log(`forecast writes, ${label}: ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s at ${LOAD.concurrency} requests in flight`);
    const database = resolveDatabaseUrl(databaseUrl);
    const sqliteFile = database.provider === "sqlite" ? sqliteFilePath(database.url) : undefined;
    const { outcome, cpu, footprint } = await runLoadGenerator(plan, server.pid, sqliteFile, context.tmpDir);
    const rate = TARGETS[label].perSecond;
    context.log(`forecast writes, ${label}: ${PACED.warmupSeconds} s + ${PACED.durationSeconds} s at ${rate} saves/s offered (open loop)`);
    const { outcome: paced } = await runLoadGenerator({ ...plan, ...PACED, ratePerSecond: rate }, server.pid, sqliteFile, context.tmpDir);
    // Stopped before reading back: what counts is what a shut-down server leaves on disk, and the
    // CPU profile is written at exit.
    await server.stop();
    stopped = true;
    const consistency = await checkDatabase(db, question.id, before, { ...outcome.acknowledged, ...paced.acknowledged });
    return {
      label,
      load: outcome,
      paced,
      cpu,
      footprint,
      busyMentions: server.log().match(BUSY_PATTERN)?.length ?? 0,
      consistency,
      profile: summariseProfile(server.profileDir),
    };
  } finally {
    if (!stopped) await server.stop();
    await db.$disconnect();
  }
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => `${value.toFixed(1)} ms`;

function failuresOf(load: LoadOutcome): number {
  return Object.entries(load.statuses).reduce((sum, [status, count]) => sum + (status === "200" ? 0 : count), 0);
}

const perSecondOf = (load: LoadOutcome) => load.measuredOk / load.measuredSeconds;
const commitRatioOf = (db: Consistency) => db.forecastRows / Math.max(1, db.snapshotRows);
const isConsistent = (db: Consistency) => db.wrongCurrent === 0 && db.severalCurrent === 0 && db.aggregateVersion === db.totalSnapshots;

function metricsOf(run: DatabaseRun): Metric[] {
  const { label, load, paced, cpu, footprint, consistency: db } = run;
  const target = TARGETS[label];
  const perSecond = perSecondOf(load);
  const total = Object.values(load.statuses).reduce((sum, count) => sum + count, 0);
  const failures = failuresOf(load);
  const byStatus = Object.entries(load.statuses)
    .map(([status, count]) => `${status}: ${integer(count)}`)
    .join(", ");
  const metrics: Metric[] = [
    {
      name: `${label}: most forecasts acknowledged per second (${LOAD.concurrency} in flight)`,
      result: `${integer(perSecond)} /s (seconds ranged ${integer(Math.min(...load.okPerSecond))}–${integer(Math.max(...load.okPerSecond))})`,
      target: `≥ ${integer(target.perSecond)} /s`,
      pass: perSecond >= target.perSecond,
    },
    { name: `${label}: latency at that load, p50 / p99 / max`, result: `${ms(load.latencyMs.p50)} / ${ms(load.latencyMs.p99)} / ${ms(load.latencyMs.max)}` },
    {
      name: `${label}: at ${integer(target.perSecond)} saves/s offered (open loop)`,
      result: `${integer(perSecondOf(paced))} /s acknowledged, ${integer(paced.unsent)} not sent (${LOAD.concurrency} already in flight), ${integer(failuresOf(paced))} failed`,
      target: `≥ ${integer(target.perSecond)} /s`,
      pass: perSecondOf(paced) >= target.perSecond * 0.99 && paced.unsent === 0 && failuresOf(paced) === 0,
    },
    { name: `${label}: latency at ${integer(target.perSecond)}/s, p50`, result: ms(paced.latencyMs.p50) },
    target.p99Ms === undefined
      ? { name: `${label}: latency at ${integer(target.perSecond)}/s, p99`, result: ms(paced.latencyMs.p99) }
      : { name: `${label}: latency at ${integer(target.perSecond)}/s, p99`, result: ms(paced.latencyMs.p99), target: `≤ ${target.p99Ms} ms`, pass: paced.latencyMs.p99 <= target.p99Ms },
    { name: `${label}: latency at ${integer(target.perSecond)}/s, max`, result: ms(paced.latencyMs.max) },
    { name: `${label}: failed requests (not 200)`, result: `${integer(failures)} of ${integer(total)} (${byStatus})`, target: "0", pass: failures === 0 },
  ];
  if (label === "SQLite") {
    metrics.push({ name: "SQLite: SQLITE_BUSY in the server's output", result: integer(run.busyMentions), target: "0", pass: run.busyMentions === 0 });
  }
  metrics.push(
    {
      name: `${label}: group commit (forecast rows per snapshot)`,
      result: `${commitRatioOf(db).toFixed(1)} (${integer(db.forecastRows)} forecasts in ${integer(db.snapshotRows)} transactions)`,
    },
    {
      name: `${label}: rows written`,
      result: `${integer(db.forecastRows + db.snapshotRows)} inserted (${integer(db.forecastRows)} Forecast, ${integer(db.snapshotRows)} AggregateSnapshot), ${integer(db.supersededRows + db.snapshotRows)} updated (${integer(db.supersededRows)} superseded Forecast, ${integer(db.snapshotRows)} Question version bumps)`,
    },
    {
      name: `${label}: database after the run`,
      result: isConsistent(db)
        ? `consistent: ${integer(db.acknowledgedReaders)} readers, each with one current forecast = their last 200; version ${integer(db.aggregateVersion)} = snapshots`
        : `${integer(db.wrongCurrent)} readers with a wrong current forecast, ${integer(db.severalCurrent)} with several; version ${db.aggregateVersion} vs ${db.totalSnapshots} snapshots`,
      target: "consistent",
      pass: isConsistent(db),
    },
    {
      name: `${label}: cores used while measuring`,
      result: cpu
        ? `server ${cpu.watched.toFixed(2)} (${((1000 * cpu.watched) / Math.max(1, perSecond)).toFixed(2)} ms per forecast), load generator ${load.generatorCores.toFixed(2)}, rest of the machine ${Math.max(0, cpu.other - load.generatorCores).toFixed(2)}`
        : "not available (needs /proc)",
    },
  );
  if (footprint) {
    metrics.push({
      name: `${label}: server at the end of the measured window`,
      result: `RSS ${integer(footprint.rssMB)} MB${footprint.databaseHandles === undefined ? "" : `, ${integer(footprint.databaseHandles)} open handles on the database file`}`,
    });
  }
  return metrics;
}

/** Where a missed target comes from, as far as the figures show it. */
function diagnosisOf(run: DatabaseRun): string[] {
  if (metricsOf(run).every((metric) => metric.pass !== false)) return [];
  const { label, cpu, footprint, consistency } = run;
  const findings: string[] = [];
  if (cpu && cpu.watched >= 0.85) {
    findings.push(`the server kept ${cpu.watched.toFixed(2)} cores busy: it is CPU-bound on its one JavaScript thread, at ${((1000 * cpu.watched) / Math.max(1, perSecondOf(run.load))).toFixed(2)} ms of CPU per forecast`);
  } else if (cpu) {
    findings.push(`the server used only ${cpu.watched.toFixed(2)} cores: it spent time waiting (on the database, a lock or the CPU other processes took)`);
  }
  const ratio = commitRatioOf(consistency);
  if (ratio < 2) {
    findings.push(
      `group commit hardly grouped (${ratio.toFixed(1)} forecasts per transaction), so nearly every forecast paid for a whole transaction (version bump, updates, insert, snapshot, commit) of its own` +
        (label === "SQLite"
          ? ": the libSQL adapter runs all of the process's queries under one lock, which a transaction holds until it commits, so the saves that would join the next batch wait in their session and question look-ups until the running transaction ends, and the first one through starts a transaction of its own"
          : ""),
    );
  }
  if (footprint?.databaseHandles !== undefined && footprint.databaseHandles > 8) {
    findings.push(
      `the server held ${integer(footprint.databaseHandles)} handles on the database file: @libsql/client hands its connection to each transaction and opens a new one for what follows (schema read, statements prepared again), and the old one closes only when garbage-collected`,
    );
  }
  return findings.length > 0 ? [`${label} target missed; where the time goes: ${findings.join("; ")}.`] : [];
}

function profileTables(run: DatabaseRun): DetailTable[] {
  const { profile } = run;
  if (!profile) return [];
  const busyMs = profile.totalMs - profile.idleMs;
  const share = (value: number) => `${((100 * value) / busyMs).toFixed(1)} %`;
  const rows = (entries: [string, number][]) => entries.filter(([name]) => !name.startsWith("(idle)")).map(([name, value]) => [`\`${name}\``, integer(value), share(value)]);
  return [
    { caption: `${run.label} server CPU profile, self time by place (whole run, warm-up included)`, columns: ["place", "ms", "of busy time"], rows: rows(profile.byPlace) },
    { caption: `${run.label} server CPU profile, top functions by self time`, columns: ["function", "ms", "of busy time"], rows: rows(profile.byFunction) },
  ];
}

const BUSY_MACHINE_CORES = 0.25;

function buildReport(runs: DatabaseRun[], postgresSkipped: string | null): BenchReport {
  // PostgreSQL's own processes count as "rest of the machine", so only SQLite runs say whether
  // something else was competing for the cores.
  const busiest = Math.max(0, ...runs.filter((run) => run.label === "SQLite").map((run) => (run.cpu ? run.cpu.other - run.load.generatorCores : 0)));
  const missed = runs.some((run) => metricsOf(run).some((metric) => metric.pass === false));
  const notes = [
    ...(busiest > BUSY_MACHINE_CORES
      ? [`**The machine was busy**: other processes used up to ${busiest.toFixed(2)} cores during a measurement, so throughput and latency are understated; rerun on a quiet machine.`]
      : []),
    `Server: \`node build/server.js\` built from a copy of the working tree, NODE_ENV=production, LOG_LEVEL=warn, on a fresh database (SQLite: a new \`file:\` under the run's temp directory; PostgreSQL: a new database, dropped afterwards) holding the seed article and ${integer(LOAD.readers)} readers whose accounts and sessions were written straight into the database with the app's own token hashing.`,
    `Load: \`bench/forecast-load.ts\` in its own process keeps ${LOAD.concurrency} saves in flight (one keep-alive connection each), ${LOAD.warmupSeconds} s warm-up then ${LOAD.durationSeconds} s measured. Each save is the page fetcher's request: \`POST /questions/<id>.data\`, form-encoded \`intent=save\` and three whole percentages adding up to 100, the session cookie and the server's own Origin, on the seed's three-scenario question, by a reader picked at random among those without a save in flight (repeats update their forecast). The revalidating GET a browser sends after a save is not part of it. Then, on the same server, ${PACED.warmupSeconds} s + ${PACED.durationSeconds} s of open-loop load: saves sent at the target rate whatever the answers, as independent readers send them (at most ${LOAD.concurrency} in flight; any that would exceed it are counted as not sent). The throughput target is read from the first part, the latency target from the second: a server kept at saturation by a fixed number of in-flight requests shows only its queue, ${LOAD.concurrency} / rate.`,
    "Throughput counts 200s completed in the measured window; latency is from sending the request to the end of its response, over every response completed in the window. A 200 means the forecast's transaction has committed.",
    "Afterwards, with the server stopped, the database is read back: each reader who got a 200 must have exactly one current forecast (neither superseded nor withdrawn) holding the last percentages acknowledged to them, and `Question.aggregateVersion` must equal the number of snapshots. Group commit: forecast rows inserted per AggregateSnapshot row (one snapshot per transaction), warm-up included.",
    "Cores: the server process's CPU time over the measured window (one core is all its JavaScript thread can use; ms per forecast = that time divided by the forecasts acknowledged), the load generator's own, and everything else on the machine, which on PostgreSQL includes PostgreSQL itself.",
    "SQLITE_BUSY is searched for in the server's whole output; the action answers a failed write with 503 without logging its cause, so a busy database there shows as 503s in the failed requests.",
    ...(postgresSkipped ? [postgresSkipped] : []),
    ...runs.flatMap(diagnosisOf),
    ...(missed && !PROFILE ? ["A target was missed: rerun with `BENCH_CPU_PROFILE=1` to add the servers' CPU profiles (where the time goes) to this report."] : []),
    ...(runs.some((run) => run.profile)
      ? [
          "The servers ran under `node --cpu-prof` (BENCH_CPU_PROFILE), which costs a few per cent of throughput. In the profiles, self time of the libsql binding's functions includes SQLite's own native work (it runs synchronously on the JavaScript thread, commits' fsync included), and the WebAssembly is Prisma's query compiler, which plans every query.",
        ]
      : []),
  ];
  return { metrics: runs.flatMap(metricsOf), notes, details: runs.flatMap(profileTables) };
}

export const forecastWritesBench: Bench = {
  id: "forecast-writes",
  title: "Forecast writes (`POST /questions/:id`, save)",
  description:
    "Sustained forecast saves through the real Remix action over HTTP with many readers at once: acknowledged forecasts per second, latency, failures and the group-commit ratio, on SQLite and on PostgreSQL, then a read-back of the database to check that exactly what was acknowledged is stored.",
  async run(context) {
    const runs = [await measureOn(context, "SQLite", freshDatabaseUrl(context.tmpDir))];
    const postgresServer = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
    if (postgresServer) {
      const database = await createPostgresDatabase(postgresServer, "crowdline_bench");
      try {
        runs.push(await measureOn(context, "PostgreSQL", database.url));
      } finally {
        await database.drop();
      }
    }
    const skipped = postgresServer ? null : "PostgreSQL skipped: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL), e.g. postgresql://postgres@127.0.0.1:5432/postgres, to measure it too.";
    return buildReport(runs, skipped);
  },
};
