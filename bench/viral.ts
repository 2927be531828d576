// The first article going viral (issue 15): the whole mix of traffic a good day brings, played at
// once against one production server on a realistic database, and then twice that. Each class of
// request is offered open loop at seeded Poisson arrival times from load generators in processes of
// their own (bench/viral-load.ts), while 2 000 socket.io listeners (bench/live-listeners.ts, via
// bench/live-fleet.ts) hold the scenario question open. What it reports is what a reader would see:
// the share of each class answered, its latency, what was refused with 503 and what was left
// waiting, whether every listener ended on the question's latest crowd, and what the server used.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { sessionCookieSettings } from "../app/auth/session.server";
import { createDb, type Db } from "../app/db.server";
import { normalise } from "../app/domain/forecast";
import { createComment } from "../app/models/comment.server";
import { saveForecast } from "../app/models/forecast.server";
import { deployMigrations } from "../prisma/deploy-migrations";
import { seedDatabase } from "../prisma/seeding";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { mulberry32 } from "../test/seeded-random";
import { createSignedInReaders, type SignedInReader } from "../test/signed-in-readers";
import { type CpuSnapshot, cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import {
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  freshDatabaseUrl,
  projectRoot,
  request,
} from "./harness";
import { ListenerFleet, type FleetStep } from "./live-fleet";
import { type ProfileSummary, top } from "./live-profile";
import { type ProfiledServer, RATE_LIMITS_OFF, startProfile, startServer } from "./server-profile";
import { CLASSES, type ClassId, type ClassOutcome, type ViralLoadOutcome, type ViralLoadPlan } from "./viral-load";

/** The full mix, per second (issue 15). */
const FULL_MIX: Record<ClassId, number> = { anonArticle: 60, anonQuestion: 30, signedInQuestion: 20, signedInArticle: 10, save: 15, comment: 1 };
const CLASS_LABEL: Record<ClassId, string> = {
  anonArticle: "anonymous article page",
  anonQuestion: "anonymous question page",
  signedInQuestion: "signed-in question page",
  signedInArticle: "signed-in article page",
  save: "forecast save",
  comment: "comment post",
};
const PAGE_CLASSES: ClassId[] = ["anonArticle", "anonQuestion", "signedInQuestion", "signedInArticle"];
/** What issue 15 calls cheap work: it must stay fast at twice the mix (socket updates are checked apart). */
const CHEAP_CLASSES: ClassId[] = ["anonArticle", "anonQuestion", "save"];

function envSeconds(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
/** VIRAL_SECONDS shortens the measured window while developing; the targets mean 60 s. */
const SECONDS = envSeconds("VIRAL_SECONDS", 60);
const WARMUP_SECONDS = envSeconds("VIRAL_WARMUP_SECONDS", 5);
const TIMEOUT_MS = 30_000;
const SLOW_MS = 5_000;

const READERS = 1_000;
/** Of the readers, those who browse signed in and comment; every reader may save. */
const ACTIVE_READERS = 300;
/** Forecasters besides the readers, so that the crowd holds 2 000 forecasts. */
const OTHER_FORECASTERS = 1_000;
const SEED_SAVES_IN_FLIGHT = 3;
const THREADS = 50;
const REPLIES_PER_THREAD = 4;
const LISTENERS = 2_000;
const LISTENER_PROCESSES = 2;
const JOINS_IN_FLIGHT = 50;
const STEP_DEADLINE_MS = 90_000;
/** Two processes of HTTP load: at twice the mix one would spend a noticeable share of a core on its own. */
const GENERATORS = 2;
/** Versions whose delivery is timed: enough for a p99, few enough that collecting stays cheap. */
const DELIVERY_SAMPLE = 100;
/** Requests one after another per class on the idle server: each page's own service time. */
const ALONE_SAMPLES = 15;
const TARGET = { answeredShare: 0.995, pageP99Ms: 500, saveP99Ms: 300, cheapP99Ms: 1_000, refusalP99Ms: 1_000 };
/** Set (to anything) to profile the server's CPU over the full mix's measured window. */
const PROFILE = Boolean(process.env.BENCH_CPU_PROFILE);

const clock = () => performance.timeOrigin + performance.now();
const loadScript = path.join(projectRoot, "bench/viral-load.ts");

// Ctrl-C reaches only the runner when it is not run from a terminal; the load must stop with it.
const children = new Set<ChildProcess>();
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

// ---------------------------------------------------------------------------------------------
// The server

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// ---------------------------------------------------------------------------------------------
// The database: 1 000 readers with sessions, 250 comments, 2 000 forecasts

export interface Scene {
  questionId: string;
  scenarioIds: string[];
  articlePath: string;
  readers: SignedInReader[];
  commentIds: string[];
  setup: [string, string][];
}

/** Markdown of 200 to 800 characters, as under a forecast: emphasis, a link, sometimes a list. */
function seededCommentBody(random: () => number): string {
  const sentences = [
    "Open-weight downloads tripled last year, and most of that growth came from models above 70B parameters.",
    "Closed providers have cut API prices four times since Q2 2024, each time within a quarter of a major open release.",
    "The benchmark gap is a distraction; what matters is who owns deployment once the weights cost nothing.",
    "Enterprise buyers care about support contracts and indemnities far more than about two points on MMLU.",
    "Regulation in the EU could still tilt the field towards a few large vendors with compliance teams.",
    "Inference hardware is the real bottleneck, and it is concentrated in even fewer hands than the models.",
    "History suggests platforms consolidate, yet Linux shows an open layer can win the infrastructure.",
  ];
  const pick = () => sentences[Math.floor(random() * sentences.length)]!;
  const target = 200 + random() * 600;
  const blocks = [`${pick()} That is **the decisive question** here.`];
  if (random() < 0.4) blocks.push(["- **Downloads**: still rising", "- Price cuts follow open releases within *90 days*", "- Compliance costs favour incumbents"].join("\n"));
  while (blocks.join("\n\n").length < target - 120) blocks.push(pick());
  blocks.push("See [the Q4 deployment review](https://example.com/reports/q4-2025-deployments); @marcus made the same point.");
  return blocks.join("\n\n");
}

/** 50 threads of an opener and four replies, through the app's own createComment (as the discussion bench seeds them). */
async function seedComments(db: Db, questionId: string, authors: SignedInReader[]): Promise<string[]> {
  const random = mulberry32(20_261_515);
  const ids: string[] = [];
  const start = Date.now() - THREADS * 3_600_000;
  const add = async (at: number, parentId?: string) => {
    const author = authors[Math.floor(random() * authors.length)]!;
    const outcome = await createComment({ questionId, userId: author.userId, body: seededCommentBody(random), parentId, now: new Date(at) }, db);
    if (!outcome.ok) throw new Error(`seeding a comment failed: ${outcome.message}`);
    ids.push(outcome.value.id);
    return outcome.value.id;
  };
  for (let thread = 0; thread < THREADS; thread++) {
    const at = start + thread * 3_600_000;
    const root = await add(at);
    let previous = root;
    for (let reply = 0; reply < REPLIES_PER_THREAD; reply++) previous = await add(at + (reply + 1) * 60_000, reply % 2 === 0 ? root : previous);
  }
  return ids;
}

/**
 * Every forecaster saves once through the app's own forecast writer, three at a time: each group
 * commit makes one version and one chart point, so the question gets some 700 of them, more than
 * the page's chart keeps (600), as a crowd that gathered over days would, rather than the few
 * commits one burst of 2 000 saves makes. One at a time would take over 20 s here (an fsync each).
 */
async function seedForecasts(db: Db, questionId: string, scenarioCount: number, forecasters: SignedInReader[]): Promise<void> {
  const random = mulberry32(20_261_516);
  let next = 0;
  const worker = async () => {
    while (next < forecasters.length) {
      const forecaster = forecasters[next++]!;
      const cuts = Array.from({ length: scenarioCount - 1 }, () => Math.floor(random() * 101)).sort((a, b) => a - b);
      const percentages = [...cuts, 100].map((cut, index) => cut - (index === 0 ? 0 : cuts[index - 1]!));
      const outcome = await saveForecast({ questionId, userId: forecaster.userId, probabilities: normalise(percentages), rationale: null }, db);
      if (!outcome.ok) throw new Error(`seeding a forecast failed: ${outcome.message}`);
    }
  };
  await Promise.all(Array.from({ length: SEED_SAVES_IN_FLIGHT }, worker));
}

/** Written before the server starts, with the app's own models, so that the server meets it as it would a live database after a restart. */
export async function buildScene(db: Db, log: BenchContext["log"]): Promise<Scene> {
  const setup: [string, string][] = [];
  const timed = async <T>(label: string, action: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    const value = await action();
    setup.push([label, `${((performance.now() - startedAt) / 1000).toFixed(1)} s`]);
    log(`viral: ${label}: ${setup.at(-1)![1]}`);
    return value;
  };
  const found = await db.question.findFirstOrThrow({
    where: { kind: "scenarios", article: { slug: openVsClosedAi2026.slug } },
    select: { id: true, scenarios: { orderBy: { position: "asc" }, select: { id: true } } },
  });
  const questionId = found.id;
  const scenarioIds = found.scenarios.map((scenario) => scenario.id);
  log(`viral: ${integer(READERS)} readers and ${integer(OTHER_FORECASTERS)} other forecasters with sessions`);
  const readers = await timed(`${integer(READERS)} readers + ${integer(OTHER_FORECASTERS)} other forecasters, with sessions`, async () => [
    ...(await createSignedInReaders(db, READERS, "viral")),
    ...(await createSignedInReaders(db, OTHER_FORECASTERS, "crowd")),
  ]);
  log(`viral: seeding ${THREADS * (1 + REPLIES_PER_THREAD)} comments`);
  const commentIds = await timed(`${THREADS * (1 + REPLIES_PER_THREAD)} comments (createComment)`, () => seedComments(db, questionId, readers.slice(0, ACTIVE_READERS)));
  log(`viral: ${integer(readers.length)} forecasts`);
  await timed(`${integer(readers.length)} forecasts (the forecast writer, ${SEED_SAVES_IN_FLIGHT} in flight)`, () => seedForecasts(db, questionId, scenarioIds.length, readers));
  const { aggregateVersion } = await db.question.findUniqueOrThrow({ where: { id: questionId }, select: { aggregateVersion: true } });
  setup.push(["the question's aggregate version after seeding", integer(aggregateVersion)]);
  return { questionId, scenarioIds, articlePath: `/articles/${openVsClosedAi2026.slug}`, readers: readers.slice(0, READERS), commentIds, setup };
}

// ---------------------------------------------------------------------------------------------
// Each class alone, one request at a time on the idle server: its service time, from which the
// work a mix asks of the server's one thread can be estimated.

interface AloneTimes {
  medianMs: Record<ClassId, number>;
  /** The server's CPU per request (user + system, /proc), averaged over the class's samples. */
  cpuMs: Record<ClassId, number>;
  /** 503s met on the idle server, one request at a time (each retried). */
  refused: number;
}

async function measureAlone(server: ProfiledServer, scene: Scene): Promise<AloneTimes> {
  const cookieName = sessionCookieSettings("production").name;
  const reader = scene.readers[0]!;
  const questionPath = `/questions/${scene.questionId}`;
  const page = { accept: "text/html", "accept-encoding": "gzip, deflate, br" };
  const signedIn = { ...page, cookie: `${cookieName}=${reader.token}` };
  const post = (body: string) => ({
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(Buffer.byteLength(body)), Origin: server.origin, Cookie: `${cookieName}=${reader.token}` },
    body,
  });
  const save = () => {
    const fields = new URLSearchParams({ intent: "save" });
    scene.scenarioIds.forEach((id, index) => fields.set(`p_${id}`, String(index === 0 ? 100 - 10 * (scene.scenarioIds.length - 1) : 10)));
    return post(fields.toString());
  };
  const comment = () => post(new URLSearchParams({ intent: "comment", body: "Timing one comment on its own: **alone**, nothing else running.", parentId: "" }).toString());
  const plans: Record<ClassId, () => [string, Parameters<typeof request>[1]]> = {
    anonArticle: () => [scene.articlePath, { headers: page }],
    anonQuestion: () => [questionPath, { headers: page }],
    signedInQuestion: () => [questionPath, { headers: signedIn }],
    signedInArticle: () => [scene.articlePath, { headers: signedIn }],
    save: () => [`${questionPath}.data`, save()],
    comment: () => [`${questionPath}.data`, comment()],
  };
  const medians = {} as Record<ClassId, number>;
  const cpu = {} as Record<ClassId, number>;
  let refused = 0;
  for (const classId of CLASSES) {
    const times: number[] = [];
    // Comments are few in the mix; a handful alone says what one costs without growing the thread much.
    const samples = classId === "comment" ? 5 : ALONE_SAMPLES;
    let before: CpuSnapshot | undefined;
    for (let index = -2; index < samples; index++) {
      if (index === 0) before = takeCpuSnapshot(server.pid);
      const [pathname, options] = plans[classId]();
      let answer = await request(`${server.origin}${pathname}`, { ...options, agent, timeoutMs: TIMEOUT_MS });
      // Load shedding can refuse a request that follows a slow one on an otherwise idle server; the
      // service time is what is measured here, so it is asked again as the answer says.
      for (let retry = 0; answer.status === 503 && retry < 3; retry++) {
        refused += 1;
        await delay(1000 * Number(answer.headers["retry-after"] ?? 2));
        answer = await request(`${server.origin}${pathname}`, { ...options, agent, timeoutMs: TIMEOUT_MS });
      }
      const expected = classId === "comment" ? 201 : 200;
      if (answer.status !== expected) throw new Error(`${CLASS_LABEL[classId]} answered ${answer.status} on an idle server: ${answer.body.toString("utf8", 0, 300)}`);
      if (classId === "signedInQuestion" && !String(answer.headers["cache-control"]).includes("private")) {
        throw new Error(`the session cookie did not sign the reader in (Cache-Control: ${answer.headers["cache-control"]})`);
      }
      if (index >= 0) times.push(answer.ms);
      // A pause longer than the shedder's window after a slow answer, so that each request meets an idle loop.
      await delay(Math.min(250, 2 * answer.ms + 10));
    }
    medians[classId] = percentile(times.sort((a, b) => a - b), 0.5);
    const after = takeCpuSnapshot(server.pid);
    // Whole clock ticks (10 ms): coarse for one cheap request, fine over the class's samples together.
    cpu[classId] = before && after ? (cpuSharesBetween(before, after).watched * (after.atMs - before.atMs)) / samples : Number.NaN;
  }
  return { medianMs: medians, cpuMs: cpu, refused };
}

// ---------------------------------------------------------------------------------------------
// One mix

interface MixSpec {
  label: string;
  factor: number;
}

interface CpuCores {
  server: number;
  generators: number;
  listeners: number;
  other: number;
}

interface Delivery {
  /** Commit of a version (its snapshot's createdAt) to a listener holding it or a newer one. */
  sortedMs: number[];
  /** Per version, to its first and to its last listener: the server's delay in sending, and the fan-out's spread. */
  firstMs: number[];
  lastMs: number[];
  /** (version, listener) pairs where the listener never held that version nor a newer one. */
  missing: number;
  versions: number;
}

interface MixResult {
  spec: MixSpec;
  classes: Record<ClassId, ClassOutcome>;
  cpu: CpuCores | undefined;
  peakRssMB: number | undefined;
  listenOverflows: number | undefined;
  listenDrops: number | undefined;
  connectionsOpened: number;
  slowConnects: number;
  lagP99Ms: number;
  lagMaxMs: number;
  latestVersion: number;
  versionsInWindow: number;
  onLatest: number;
  joined: number;
  dropped: number;
  dropReasons: string[];
  delivery: Delivery;
  profile?: ProfileSummary;
  serverErrors: string[];
}

/** TcpExt counters of this network namespace (loopback included); undefined off Linux. */
function tcpExtCounters(): Record<string, number> | undefined {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
    const index = lines.findIndex((line) => line.startsWith("TcpExt:"));
    const names = lines[index]!.split(/\s+/).slice(1);
    const values = lines[index + 1]!.split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(names.map((name, position) => [name, values[position] ?? 0]));
  } catch {
    return undefined;
  }
}

function rssMB(pid: number): number | undefined {
  try {
    const kB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kB) ? kB / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Generator {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  resultFile: string;
  closed: Promise<number | null>;
  stderr: () => string;
}

function startGenerator(plan: ViralLoadPlan, dir: string, index: number): Generator {
  const planFile = path.join(dir, `plan-${index}.json`);
  const resultFile = path.join(dir, `result-${index}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  // Under overload thousands of connections stay open at once, each a descriptor.
  const child = spawn("/bin/sh", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "sh", process.execPath, "--import", "tsx", loadScript, planFile, resultFile], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), resultFile, closed, stderr: () => stderr };
}

function mergeOutcomes(outcomes: ViralLoadOutcome[]): Record<ClassId, ClassOutcome> {
  const merged = {} as Record<ClassId, ClassOutcome>;
  for (const classId of CLASSES) {
    const parts = outcomes.map((outcome) => outcome.classes[classId]);
    const sum = (field: "offered" | "answered" | "refused" | "refusedWithoutRetryAfter" | "timedOut" | "timedOutAfterHeaders" | "failed" | "slow" | "answeredBytes") =>
      parts.reduce((total, part) => total + part[field], 0);
    const counts = (field: "statuses" | "cache") => {
      const total: Record<string, number> = {};
      for (const part of parts) for (const [key, value] of Object.entries(part[field])) total[key] = (total[key] ?? 0) + value;
      return total;
    };
    merged[classId] = {
      offered: sum("offered"),
      answered: sum("answered"),
      refused: sum("refused"),
      refusedWithoutRetryAfter: sum("refusedWithoutRetryAfter"),
      timedOut: sum("timedOut"),
      timedOutAfterHeaders: sum("timedOutAfterHeaders"),
      failed: sum("failed"),
      slow: sum("slow"),
      answeredBytes: sum("answeredBytes"),
      statuses: counts("statuses"),
      cache: counts("cache"),
      answeredMs: parts.flatMap((part) => part.answeredMs).sort((a, b) => a - b),
      refusedMs: parts.flatMap((part) => part.refusedMs).sort((a, b) => a - b),
      errorSamples: parts.flatMap((part) => part.errorSamples).slice(0, 4),
    };
  }
  return merged;
}

/** The question's version once saves have stopped landing: unchanged over a second. */
async function settledVersion(db: Db, questionId: string): Promise<number> {
  const read = async () => (await db.question.findUniqueOrThrow({ where: { id: questionId }, select: { aggregateVersion: true } })).aggregateVersion;
  let version = await read();
  for (let tries = 0; tries < 40; tries++) {
    await delay(1_000);
    const now = await read();
    if (now === version) break;
    version = now;
  }
  // Broadcasts go out at most one window (50 ms) after the commit; this leaves them ample time.
  await delay(1_000);
  return version;
}

function cpuOver(before: (CpuSnapshot | undefined)[], after: (CpuSnapshot | undefined)[], generatorCount: number): CpuCores | undefined {
  if (before.some((snapshot) => !snapshot) || after.some((snapshot) => !snapshot)) return undefined;
  const shares = before.map((start, index) => cpuSharesBetween(start!, after[index]!));
  const machine = shares[0]!.watched + shares[0]!.other;
  const server = shares[0]!.watched;
  const generators = shares.slice(1, 1 + generatorCount).reduce((total, share) => total + share.watched, 0);
  const listeners = shares.slice(1 + generatorCount).reduce((total, share) => total + share.watched, 0);
  return { server, generators, listeners, other: Math.max(0, machine - server - generators - listeners) };
}

async function runMix(
  context: BenchContext,
  server: ProfiledServer,
  db: Db,
  scene: Scene,
  fleet: ListenerFleet,
  fleetJoined: number,
  spec: MixSpec,
  mixIndex: number,
): Promise<MixResult> {
  const { log, tmpDir } = context;
  const dir = mkdtempSync(path.join(tmpDir, "viral-load-"));
  const cookieName = sessionCookieSettings("production").name;
  const active = scene.readers.slice(0, ACTIVE_READERS);
  const plans: ViralLoadPlan[] = Array.from({ length: GENERATORS }, (_, index) => ({
    origin: server.origin,
    seed: 20_261_500 + 100 * mixIndex + index,
    rates: Object.fromEntries(CLASSES.map((classId) => [classId, (FULL_MIX[classId] * spec.factor) / GENERATORS])) as Record<ClassId, number>,
    warmupSeconds: WARMUP_SECONDS,
    durationSeconds: SECONDS,
    timeoutMs: TIMEOUT_MS,
    slowMs: SLOW_MS,
    articlePath: scene.articlePath,
    questionId: scene.questionId,
    scenarioIds: scene.scenarioIds,
    cookieName,
    // Each generator has readers of its own, so that no reader is in two places at once.
    pageReaders: active.filter((_, position) => position % GENERATORS === index).map((reader) => reader.token),
    savers: scene.readers.filter((_, position) => position % GENERATORS === index).map((reader) => reader.token),
    parentIds: scene.commentIds,
  }));
  const generators = plans.map((plan, index) => startGenerator(plan, dir, index));
  for (const generator of generators) {
    const line = await generator.lines.next();
    if (line.done || line.value !== "ready") throw new Error(`a load generator did not start:\n${generator.stderr()}`);
  }
  const pids = [server.pid, ...generators.map((generator) => generator.child.pid!), ...fleet.pids];
  const countersBefore = tcpExtCounters();
  const startAt = clock() + 500;
  for (const generator of generators) generator.child.stdin!.write(`${startAt}\n`);
  log(`viral: ${spec.label}: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, open loop, ${GENERATORS} generator processes`);

  let peakRss: number | undefined;
  const sampleRss = () => {
    const value = rssMB(server.pid);
    if (value !== undefined) peakRss = Math.max(peakRss ?? 0, value);
  };
  const rssTimer = setInterval(sampleRss, 250);
  let cpu: CpuCores | undefined;
  let profile: ProfileSummary | undefined;
  const generatorsDone = Promise.all(generators.map((generator) => generator.closed));
  try {
    const measureFrom = startAt + WARMUP_SECONDS * 1000;
    const measureUntil = measureFrom + SECONDS * 1000;
    await delay(Math.max(0, measureFrom - clock()));
    const stopProfile = PROFILE && mixIndex === 0 ? await startProfile(server, tmpDir, "viral") : undefined;
    const before = pids.map((pid) => takeCpuSnapshot(pid));
    await delay(Math.max(0, measureUntil - clock()));
    const after = pids.map((pid) => takeCpuSnapshot(pid));
    profile = await stopProfile?.();
    cpu = cpuOver(before, after, generators.length);
    const codes = await generatorsDone;
    sampleRss();
    generators.forEach((generator, index) => {
      children.delete(generator.child);
      if (codes[index] !== 0) throw new Error(`a load generator failed (code ${codes[index]}):\n${generator.stderr()}`);
    });
  } finally {
    clearInterval(rssTimer);
  }
  const countersAfter = tcpExtCounters();
  const outcomes = generators.map((generator) => JSON.parse(readFileSync(generator.resultFile, "utf8")) as ViralLoadOutcome);

  log(`viral: ${spec.label}: sent; waiting for the last saves to land, then asking the listeners`);
  const latestVersion = await settledVersion(db, scene.questionId);
  const windowSnapshots = await db.aggregateSnapshot.findMany({
    where: { questionId: scene.questionId, createdAt: { gte: new Date(startAt + WARMUP_SECONDS * 1000), lt: new Date(startAt + (WARMUP_SECONDS + SECONDS) * 1000) } },
    select: { version: true, createdAt: true },
    orderBy: { version: "asc" },
  });
  const step = Math.max(1, windowSnapshots.length / DELIVERY_SAMPLE);
  const sampled = Array.from({ length: Math.min(DELIVERY_SAMPLE, windowSnapshots.length) }, (_, index) => windowSnapshots[Math.floor(index * step)]!);
  // Ascending, as the listeners' one pass over what each socket received requires; the latest last.
  const { receipts, step: collected } = await fleet.collect([...sampled.map((snapshot) => snapshot.version), latestVersion]);
  const delays: number[] = [];
  const firsts: number[] = [];
  const lasts: number[] = [];
  sampled.forEach((snapshot, index) => {
    const times = receipts.receivedAt[index]!;
    if (times.length === 0) return;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const time of times) {
      delays.push(time - snapshot.createdAt.getTime());
      first = Math.min(first, time);
      last = Math.max(last, time);
    }
    firsts.push(first - snapshot.createdAt.getTime());
    lasts.push(last - snapshot.createdAt.getTime());
  });
  const serverErrors = server
    .log()
    .split("\n")
    .filter((line) => /"level":(50|60)/.test(line));
  const merged = outcomes.reduce((total, outcome) => ({
    connectionsOpened: total.connectionsOpened + outcome.connectionsOpened,
    slowConnects: total.slowConnects + outcome.slowConnects,
    lagP99Ms: Math.max(total.lagP99Ms, outcome.lagP99Ms),
    lagMaxMs: Math.max(total.lagMaxMs, outcome.lagMaxMs),
  }), { connectionsOpened: 0, slowConnects: 0, lagP99Ms: 0, lagMaxMs: 0 });
  return {
    spec,
    classes: mergeOutcomes(outcomes),
    cpu,
    peakRssMB: peakRss,
    listenOverflows: countersBefore && countersAfter ? countersAfter.ListenOverflows! - countersBefore.ListenOverflows! : undefined,
    listenDrops: countersBefore && countersAfter ? countersAfter.ListenDrops! - countersBefore.ListenDrops! : undefined,
    ...merged,
    latestVersion,
    versionsInWindow: windowSnapshots.length,
    onLatest: collected.done - receipts.missing.at(-1)!,
    joined: collected.done,
    dropped: collected.dropped,
    dropReasons: fleetJoined === collected.done ? collected.dropReasons : [...collected.dropReasons, `${integer(fleetJoined - collected.done)} fewer in the room than joined`],
    delivery: {
      sortedMs: delays.sort((a, b) => a - b),
      firstMs: firsts.sort((a, b) => a - b),
      lastMs: lasts.sort((a, b) => a - b),
      missing: receipts.missing.slice(0, -1).reduce((total, count) => total + count, 0), versions: sampled.length },
    profile,
    serverErrors: serverErrors.slice(0, 3),
  };
}

// ---------------------------------------------------------------------------------------------
// The run

interface ViralRun {
  scene: Scene;
  alone: AloneTimes;
  join: FleetStep;
  connect: FleetStep;
  mixes: MixResult[];
  serverErrorLines: number;
}

async function run(context: BenchContext): Promise<ViralRun> {
  const { log } = context;
  const databaseUrl = freshDatabaseUrl(context.tmpDir);
  log("viral: migrating and seeding a fresh database");
  await deployMigrations(databaseUrl);
  const db = createDb(databaseUrl);
  let server: ProfiledServer | undefined;
  let fleet: ListenerFleet | undefined;
  try {
    await seedDatabase(db);
    const scene = await buildScene(db, log);
    log("viral: starting the built server on it");
    // Limits as the discussion bench sets them: per-user comment and sign-in limits would answer the
    // mix's comments with 429 and measure the limiter instead of the server. Load shedding stays at
    // its production default: it is part of what is measured.
    server = await startServer(context, databaseUrl, { name: "viral", env: RATE_LIMITS_OFF, inspect: PROFILE });
    const alone = await measureAlone(server, scene);
    log(`viral: ${integer(LISTENERS)} socket.io listeners connecting and joining the scenario question`);
    fleet = ListenerFleet.start(LISTENER_PROCESSES, context.tmpDir, JOINS_IN_FLIGHT);
    const connect = await fleet.connect(server.origin, LISTENERS, STEP_DEADLINE_MS);
    const join = await fleet.join(scene.questionId, STEP_DEADLINE_MS);
    if (join.done < LISTENERS) log(`viral: only ${integer(join.done)} of ${integer(LISTENERS)} listeners joined (${join.errorSamples.join("; ")})`);
    // What the joins set off (presence updates) drains before the load starts.
    await delay(1_000);
    const mixes: MixResult[] = [];
    const specs: MixSpec[] = [
      { label: "full mix", factor: 1 },
      { label: "twice the mix", factor: 2 },
    ];
    for (const [index, spec] of specs.entries()) {
      mixes.push(await runMix(context, server, db, scene, fleet, join.done, spec, index));
      // The next mix starts on a server that has finished what the last one left queued.
      await delay(2_000);
    }
    const serverErrorLines = server
      .log()
      .split("\n")
      .filter((line) => /"level":(50|60)/.test(line)).length;
    return { scene, alone, connect, join, mixes, serverErrorLines };
  } finally {
    await fleet?.stop();
    await server?.stop();
    await db.$disconnect();
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The report

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * The p-th latency over every request offered, one not answered counting as slower than any
 * answer: a p99 over the answered alone would look fine while most requests timed out.
 */
function percentileOfOffered(outcome: ClassOutcome, fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * outcome.offered));
  return rank <= outcome.answeredMs.length ? outcome.answeredMs[rank - 1]! : Number.POSITIVE_INFINITY;
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => (Number.isFinite(value) ? (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${integer(value)} ms`) : "—");
const share = (part: number, whole: number) => (whole === 0 ? "—" : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)} %`);
const answeredShare = (outcome: ClassOutcome) => (outcome.offered === 0 ? 0 : outcome.answered / outcome.offered);
const unserved = (outcome: ClassOutcome) => outcome.offered - outcome.answered;

function classRows(mix: MixResult): string[][] {
  return CLASSES.map((classId) => {
    const outcome = mix.classes[classId];
    const sorted = outcome.answeredMs;
    const cache = Object.entries(outcome.cache)
      .sort((a, b) => b[1] - a[1])
      .map(([state, count]) => `${state === "none" ? "rendered" : state} ${integer(count)}`)
      .join(", ");
    return [
      CLASS_LABEL[classId],
      `${integer(outcome.offered)} (${(outcome.offered / SECONDS).toFixed(1)}/s)`,
      share(outcome.answered, outcome.offered),
      share(outcome.refused, outcome.offered),
      `${integer(outcome.timedOut)}${outcome.timedOutAfterHeaders ? ` (${integer(outcome.timedOutAfterHeaders)} after headers)` : ""}`,
      integer(outcome.failed + outcome.refusedWithoutRetryAfter),
      ms(percentile(sorted, 0.5)),
      ms(percentile(sorted, 0.95)),
      ms(percentile(sorted, 0.99)),
      ms(percentile(outcome.refusedMs, 0.99)),
      integer(outcome.slow),
      cache || "—",
    ];
  });
}

/** Cores that `perSecond` requests of each class keep busy at their one-at-a-time CPU cost. */
function coresFor(alone: AloneTimes, perSecond: (classId: ClassId) => number): number {
  return CLASSES.reduce((total, classId) => total + (perSecond(classId) * (alone.cpuMs[classId] || 0)) / 1000, 0);
}

function whereTheTimeWent(mix: MixResult, alone: AloneTimes): string {
  const demand = coresFor(alone, (classId) => FULL_MIX[classId] * mix.spec.factor);
  const served = coresFor(alone, (classId) => mix.classes[classId].answered / SECONDS);
  const signedInQuestion = (FULL_MIX.signedInQuestion * mix.spec.factor * alone.cpuMs.signedInQuestion) / 1000;
  const cores = mix.cpu?.server;
  const bound = cores === undefined ? "" : cores >= 0.85 ? ", CPU-bound: its one JavaScript thread was busy nearly all the time" : ", not CPU-bound on its one thread";
  const rest =
    cores !== undefined && cores > served + 0.1
      ? `; the requests it answered account for about ${served.toFixed(2)} cores at those costs, so some ${(cores - served).toFixed(2)} went to work no class's own cost includes: broadcasts to the ${integer(LISTENERS)} listeners, refusals, connections, and the garbage collector under load`
      : "";
  const profile = mix.profile
    ? `. The profile's busiest places: ${top(mix.profile.byPlace, 6)
        .map(([place, value]) => `${place} ${((100 * value) / Math.max(1, mix.profile!.busyMs)).toFixed(0)} %`)
        .join(", ")}`
    : "";
  return `Where the time went (${mix.spec.label}): the server used ${cores === undefined ? "?" : cores.toFixed(2)} cores${bound}. Served in full at the CPU each request costs alone (table below), this mix needs ${demand.toFixed(2)} cores of the server's one thread, ${signedInQuestion.toFixed(2)} of them for signed-in question pages (${alone.cpuMs.signedInQuestion.toFixed(0)} ms of CPU each, against ${alone.cpuMs.anonQuestion.toFixed(1)} ms for the cached anonymous one)${rest}${profile}.`;
}

function buildReport({ scene, alone, connect, join, mixes, serverErrorLines }: ViralRun): BenchReport {
  const [full, twice] = mixes as [MixResult, MixResult];
  const metrics: Metric[] = [];

  for (const classId of CLASSES) {
    const outcome = full.classes[classId];
    const p99 = percentile(outcome.answeredMs, 0.99);
    const p99Target = PAGE_CLASSES.includes(classId) ? TARGET.pageP99Ms : classId === "save" ? TARGET.saveP99Ms : undefined;
    const refused = outcome.refused ? `, ${share(outcome.refused, outcome.offered)} refused (503)` : "";
    metrics.push({
      name: `Full mix, ${CLASS_LABEL[classId]} (${FULL_MIX[classId]}/s): answered${p99Target ? ", p99" : ""}`,
      result: `${share(outcome.answered, outcome.offered)} of ${integer(outcome.offered)}${refused}, p99 ${ms(p99)}`,
      target: `≥ ${(TARGET.answeredShare * 100).toFixed(1)} %${p99Target ? `, p99 ≤ ${ms(p99Target)}` : ""}`,
      pass: outcome.offered > 0 && answeredShare(outcome) >= TARGET.answeredShare && (p99Target === undefined || p99 <= p99Target),
    });
  }
  const listenerMetric = (mix: MixResult, target: boolean): Metric => ({
    name: `${mix.spec.label === "full mix" ? "Full mix" : "Twice the mix"}: listeners on the question's latest version afterwards`,
    result: `${integer(mix.onLatest)} of ${integer(LISTENERS)} (version ${integer(mix.latestVersion)}${mix.dropped ? `; ${integer(mix.dropped)} dropped: ${mix.dropReasons.join(", ")}` : ""})`,
    ...(target ? { target: `all ${integer(LISTENERS)}`, pass: mix.onLatest === LISTENERS } : {}),
  });
  metrics.push(listenerMetric(full, true));
  const serverRow = (mix: MixResult): Metric => ({
    name: `${mix.spec.label === "full mix" ? "Full mix" : "Twice the mix"}: server cores, peak RSS`,
    result: `${mix.cpu ? mix.cpu.server.toFixed(2) : "?"} cores, ${mix.peakRssMB === undefined ? "?" : `${integer(mix.peakRssMB)} MB`}`,
  });
  metrics.push(serverRow(full));

  for (const classId of CHEAP_CLASSES) {
    const outcome = twice.classes[classId];
    const p99 = percentileOfOffered(outcome, 0.99);
    metrics.push({
      name: `Twice the mix, ${CLASS_LABEL[classId]} (${FULL_MIX[classId] * 2}/s): p99 over every request offered`,
      result: `${Number.isFinite(p99) ? ms(p99) : `not answered (${share(unserved(outcome), outcome.offered)} unanswered)`} (${share(outcome.answered, outcome.offered)} answered)`,
      target: `≤ ${ms(TARGET.cheapP99Ms)}`,
      pass: outcome.offered > 0 && p99 <= TARGET.cheapP99Ms,
    });
  }
  const deliveryP99 = twice.delivery.missing > 0 ? Number.POSITIVE_INFINITY : percentile(twice.delivery.sortedMs, 0.99);
  metrics.push({
    name: "Twice the mix, socket updates: commit → listener p99",
    result: `${Number.isFinite(deliveryP99) ? ms(deliveryP99) : `${integer(twice.delivery.missing)} deliveries never arrived`} (p50 ${ms(percentile(twice.delivery.sortedMs, 0.5))}, over ${twice.delivery.versions} versions × ${integer(twice.joined)} listeners)`,
    target: `≤ ${ms(TARGET.cheapP99Ms)}`,
    pass: twice.delivery.versions > 0 && deliveryP99 <= TARGET.cheapP99Ms,
  });
  const twiceOutcomes = CLASSES.map((classId) => twice.classes[classId]);
  const notServed = twiceOutcomes.reduce((total, outcome) => total + unserved(outcome), 0);
  const refused = twiceOutcomes.reduce((total, outcome) => total + outcome.refused, 0);
  const refusedMs = twiceOutcomes.flatMap((outcome) => outcome.refusedMs).sort((a, b) => a - b);
  const timedOut = twiceOutcomes.reduce((total, outcome) => total + outcome.timedOut, 0);
  const refusalP99 = percentile(refusedMs, 0.99);
  metrics.push({
    name: "Twice the mix: requests not served, refused at once with 503 + Retry-After",
    result: `${integer(refused)} of ${integer(notServed)}${refusedMs.length ? ` (503 p99 ${ms(refusalP99)})` : ""}; ${integer(timedOut)} timed out, ${integer(notServed - refused - timedOut)} other`,
    target: `all, 503 p99 ≤ ${ms(TARGET.refusalP99Ms)}`,
    pass: refused === notServed && (refusedMs.length === 0 || refusalP99 <= TARGET.refusalP99Ms),
  });
  const slow = twiceOutcomes.reduce((total, outcome) => total + outcome.slow, 0);
  metrics.push({
    name: `Twice the mix: requests that took over ${SLOW_MS / 1000} s (any class, any outcome)`,
    result: `${integer(slow)} of ${integer(twiceOutcomes.reduce((total, outcome) => total + outcome.offered, 0))}`,
    target: "0",
    pass: slow === 0,
  });
  metrics.push({
    name: "Twice the mix: connections dropped by the kernel (accept queue overflows)",
    result: twice.listenOverflows === undefined ? "not available (needs /proc/net/netstat)" : `${integer(twice.listenOverflows)}${twice.slowConnects ? ` (${integer(twice.slowConnects)} connects took over 1 s)` : ""}`,
    target: "0",
    pass: twice.listenOverflows === 0,
  });
  metrics.push(listenerMetric(twice, false));
  metrics.push(serverRow(twice));
  metrics.push({
    name: "Server log: errors (pino level error or fatal) over both mixes",
    result: serverErrorLines === 0 ? "none" : `${integer(serverErrorLines)}, first: ${(mixes.flatMap((mix) => mix.serverErrors)[0] ?? "").slice(0, 200)}`,
  });

  const classColumns = ["class", "offered", "answered", "503 + Retry-After", "timed out (30 s)", "other errors", "p50", "p95", "p99", "503 p99", `> ${SLOW_MS / 1000} s`, "page cache"];
  const details: DetailTable[] = [
    ...mixes.map((mix) => ({ caption: `${mix.spec.label === "full mix" ? "Full mix" : "Twice the mix"}, per class (${SECONDS} s measured; latencies of answered requests, send to last byte)`, columns: classColumns, rows: classRows(mix) })),
    {
      caption: "Answers by status (timeout: none within 30 s; network: the connection failed), and the first failure of each class",
      columns: ["mix", "class", "statuses", "first failure"],
      rows: mixes.flatMap((mix) =>
        CLASSES.map((classId) => {
          const outcome = mix.classes[classId];
          const statuses = Object.entries(outcome.statuses)
            .sort((a, b) => b[1] - a[1])
            .map(([status, count]) => `${status} ${integer(count)}`)
            .join(", ");
          return [mix.spec.label, CLASS_LABEL[classId], statuses || "—", outcome.errorSamples[0] ? `\`${outcome.errorSamples[0].replaceAll("`", "'").slice(0, 160)}\`` : "—"];
        }),
      ),
    },
    {
      caption: "Listeners and the machine, per mix",
      columns: [
        "mix",
        "listeners on latest",
        "commit → listener p50 / p95 / p99",
        "commit → first / last listener, median version",
        "server cores",
        "generators / listeners / other cores",
        "server peak RSS",
        "accept-queue overflows (drops)",
        "connections opened (connect > 1 s)",
        "generator send lag p99 / max",
      ],
      rows: mixes.map((mix) => [
        mix.spec.label,
        `${integer(mix.onLatest)} of ${integer(mix.joined)} (v${integer(mix.latestVersion)})`,
        `${ms(percentile(mix.delivery.sortedMs, 0.5))} / ${ms(percentile(mix.delivery.sortedMs, 0.95))} / ${ms(percentile(mix.delivery.sortedMs, 0.99))}${mix.delivery.missing ? `, ${integer(mix.delivery.missing)} never` : ""}`,
        `${ms(percentile(mix.delivery.firstMs, 0.5))} / ${ms(percentile(mix.delivery.lastMs, 0.5))}`,
        mix.cpu ? mix.cpu.server.toFixed(2) : "?",
        mix.cpu ? `${mix.cpu.generators.toFixed(2)} / ${mix.cpu.listeners.toFixed(2)} / ${mix.cpu.other.toFixed(2)}` : "?",
        mix.peakRssMB === undefined ? "?" : `${integer(mix.peakRssMB)} MB`,
        mix.listenOverflows === undefined ? "?" : `${integer(mix.listenOverflows)} (${integer(mix.listenDrops ?? 0)})`,
        `${integer(mix.connectionsOpened)} (${integer(mix.slowConnects)})`,
        `${ms(mix.lagP99Ms)} / ${ms(mix.lagMaxMs)}`,
      ]),
    },
    {
      caption: "Each class alone, one request at a time on the idle server before the mixes and the listeners: the cost without a queue",
      columns: ["class", "latency, median", "server CPU per request", "cores at the full mix's rate"],
      rows: CLASSES.map((classId) => [
        CLASS_LABEL[classId],
        ms(alone.medianMs[classId]),
        `${alone.cpuMs[classId].toFixed(1)} ms`,
        ((FULL_MIX[classId] * alone.cpuMs[classId]) / 1000).toFixed(2),
      ]),
    },
    { caption: "Setup", columns: ["step", "took"], rows: [...scene.setup, [`${integer(LISTENERS)} listeners connected / joined`, `${(connect.ms / 1000).toFixed(1)} s / ${(join.ms / 1000).toFixed(1)} s (${integer(join.done)} joined)`]] },
  ];
  for (const mix of mixes.filter((candidate) => candidate.profile)) {
    const profile = mix.profile!;
    details.push({
      caption: `Server CPU by place over the ${mix.spec.label}'s measured window (${integer(profile.busyMs)} ms busy of ${integer(profile.windowMs)} ms)`,
      columns: ["place", "ms", "of busy time"],
      rows: top(profile.byPlace, 12).map(([place, value]) => [`\`${place}\``, integer(value), share(value, profile.busyMs)]),
    });
  }

  const notes = [
    `Database: the seed article's scenario question with ${THREADS * (1 + REPLIES_PER_THREAD)} comments (${THREADS} threads of 5) and ${integer(READERS + OTHER_FORECASTERS)} forecasts (through the app's forecast writer, 3 at a time: some 700 versions, more than the chart's 600 points), written with the app's models before the server starts; ${integer(READERS)} readers with sessions, of whom ${ACTIVE_READERS} browse signed in and comment and all ${integer(READERS)} save. SQLite, production build, load shedding at its default.`,
    `Open loop: each class's requests leave at seeded Poisson arrival times (${GENERATORS} generator processes, each half of every rate, node:http with keep-alive and no connection cap) whatever the earlier ones are doing; ${WARMUP_SECONDS} s of the same mix first, not counted. Each request has ${TIMEOUT_MS / 1000} s. Answered: 2xx/3xx for pages, 2xx for saves and comments. Percentiles are of answered requests; the twice-the-mix cheap-work rows take the p99 over every request offered, one not answered counting as slower.`,
    `The two mixes run one after the other on the same server, database and ${integer(LISTENERS)} listeners (${LISTENER_PROCESSES} processes, anonymous, websocket; not doubled at twice the mix: with the server, generators and listeners on two cores, more listeners would measure the machine rather than the server). Saves and comments of the full mix stay in the database for the second.`,
    "Listeners: after each mix, once the question's version has stopped moving, every joined listener must hold the question's latest version (the last `question:aggregate` it got, or its join ack). Commit → listener: from a version's AggregateSnapshot `createdAt` to a listener holding that version or a newer one, over up to 100 versions committed in the measured window; host clock in every process.",
    "Accept-queue overflows: TcpExt ListenOverflows (and ListenDrops) of /proc/net/netstat around each mix, warm-up and drain included; the counter is the network namespace's, so anything else listening on the machine would add to it.",
    ...mixes.map((mix) => whereTheTimeWent(mix, alone)),
  ];
  if (serverErrorLines > 0) notes.push(`The server logged ${integer(serverErrorLines)} errors; first: ${mixes.flatMap((mix) => mix.serverErrors).slice(0, 2).map((line) => `\`${line.slice(0, 300).replaceAll("`", "'")}\``).join("; ")}`);
  for (const mix of mixes) {
    const samples = CLASSES.flatMap((classId) => mix.classes[classId].errorSamples.map((sample) => `${CLASS_LABEL[classId]}: ${sample}`));
    if (samples.length) notes.push(`${mix.spec.label}, first failures: ${samples.slice(0, 4).map((sample) => `\`${sample.replaceAll("`", "'")}\``).join("; ")}`);
  }
  if (alone.refused > 0) {
    notes.push(
      `Before the mixes, one request at a time on an otherwise idle server, load shedding refused ${integer(alone.refused)} requests with 503 (each asked again after its Retry-After): the event-loop delay one slow render causes is enough to refuse the request that follows it.`,
    );
  }
  if (SECONDS !== 60) notes.push(`Measured for ${SECONDS} s (VIRAL_SECONDS), not the 60 s the targets are set for.`);
  return { metrics, notes, details };
}

export const viralBench: Bench = {
  id: "viral",
  title: "Viral article (the full mix and twice the mix, open loop)",
  description:
    "Issue 15's day the first article goes viral, against one production server: 2 000 socket.io listeners on the scenario question, anonymous article and question page views (60/s, 30/s), signed-in question and article page views by 300 readers (20/s, 10/s), forecast saves (15/s) and comment posts (1/s), for 60 s after a warm-up, then all of it twice as fast. Requests are sent open loop at seeded Poisson arrival times from two load-generator processes; the report gives each class's answered share, 503 refusals, time-outs and latency percentiles, whether every listener ended on the latest version, commit → listener delivery, the server's cores and peak RSS, and the kernel's accept-queue overflows.",
  async run(context) {
    return buildReport(await run(context));
  },
};
