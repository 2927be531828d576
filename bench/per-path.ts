// Issue 15's per-path table: what each hot path costs the production server on a realistic database
// (the viral bench's: 1 000 signed-in readers, the scenario question with 250 comments and 2 000
// forecasts), each against its target. Server CPU per request is read from /proc over many
// requests one after another (one request is below the 10 ms clock tick); throughput and p99 come
// from autocannon at 50 connections; the anonymous cached page, bare Express and bare socket.io
// are measured in the same run, as absolute figures swing ±50 % between runs on these machines and
// the ratios hold better.
import http from "node:http";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { sessionCookieSettings } from "../app/auth/session.server";
import { createDb } from "../app/db.server";
import { deployMigrations } from "../prisma/deploy-migrations";
import { seedDatabase } from "../prisma/seeding";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { freePort } from "../test/free-port";
import { mulberry32 } from "../test/seeded-random";
import { cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import {
  type Answer,
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  type RequestOptions,
  freshDatabaseUrl,
  projectRoot,
  request,
  startBareExpress,
} from "./harness";
import { ListenerFleet, type FleetStep } from "./live-fleet";
import { type ProfileSummary, top } from "./live-profile";
import { type LoadOptions, type LoadResult, measureLoad } from "./load-test";
import { type ProfiledServer, RATE_LIMITS_OFF, startNodeServer, startProfile, startServer } from "./server-profile";
import { type Scene, buildScene } from "./viral";

const TARGET = { fewCommentsCpuMs: 3, longThreadCpuMs: 5, pageRps: 400, pageP99Ms: 150, postCpuMs: 4, saveCpuMs: 1, joinVsBare: 3, htmlRawKB: 120, htmlGzipKB: 25 };
/** Requests one after another per path: whole clock ticks (10 ms) over these many are within a few per cent. */
const PAGES = { warmUp: 20, measured: 200 };
const SAVES = { warmUp: 20, measured: 300 };
/** Each post grows the thread, so fewer: at the ~10 ms a post costs, 60 are still 60 ticks. */
const POSTS = { warmUp: 10, measured: 60 };
/** An extra pass under the profiler (BENCH_CPU_PROFILE), after the measured one and not counted. */
const PROFILED_REQUESTS = 100;
const LOAD: LoadOptions = { connections: 50, warmupSeconds: 2, durationSeconds: 8 };
const LISTENERS = 1_000;
const LISTENER_PROCESSES = 2;
const JOINS_IN_FLIGHT = 50;
const STEP_DEADLINE_MS = 60_000;
/** The app batches presence updates per second: a join's cost is paid until the batch after the last ack has gone out. */
const JOIN_SETTLE_MS = 1_500;
// Readers by task (the scene has 1 000, each with a session and a forecast): no reader saves or
// posts twice, so nothing is rate-limited, answered as a repeat or made idempotent.
const SAVERS_FROM = 0;
const POSTERS_ALONE_FROM = 450;
const POSTERS_WITH_LISTENERS_FROM = 650;
const BUSY_MACHINE_CORES = 0.25;
const PROFILE = Boolean(process.env.BENCH_CPU_PROFILE);
const CACHE_HIT = new Set(["HIT", "STALE"]);

const cookieName = sessionCookieSettings("production").name;
// One keep-alive connection for everything sent one at a time, as one browser tab would.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PAGE_HEADERS = { accept: "text/html", "accept-encoding": "gzip, deflate, br" };

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number, digits = 1) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : "—");
const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const cores = (value: number) => value.toFixed(2);

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------
// Server CPU over a window

interface CpuWindow {
  /** Milliseconds of the server's CPU (user + system) over the window. */
  serverMs: number;
  elapsedMs: number;
  /** Cores used by processes other than the server, the runner and `alsoOurs` (the listeners). */
  otherCores: number;
}

/** Starts counting; the returned function stops. Undefined off Linux. */
function cpuWindow(serverPid: number, alsoOurs: number[] = []): () => CpuWindow {
  const before = takeCpuSnapshot(serverPid);
  const oursBefore = alsoOurs.map((pid) => takeCpuSnapshot(pid));
  const selfBefore = process.cpuUsage();
  return () => {
    const after = takeCpuSnapshot(serverPid);
    const oursAfter = alsoOurs.map((pid) => takeCpuSnapshot(pid));
    const self = process.cpuUsage(selfBefore);
    if (!before || !after || oursBefore.some((snapshot) => !snapshot) || oursAfter.some((snapshot) => !snapshot)) {
      throw new Error("server CPU is read from /proc, which this machine does not have");
    }
    const elapsedMs = after.atMs - before.atMs;
    const shares = cpuSharesBetween(before, after);
    const ours = oursBefore.reduce((sum, snapshot, index) => sum + cpuSharesBetween(snapshot!, oursAfter[index]!).watched, 0);
    const selfCores = (self.user + self.system) / 1000 / elapsedMs;
    return { serverMs: shares.watched * elapsedMs, elapsedMs, otherCores: Math.max(0, shares.other - ours - selfCores) };
  };
}

// ---------------------------------------------------------------------------------------------
// One request after another

interface Planned {
  pathname: string;
  options: RequestOptions;
  expect: number;
  check?: (answer: Answer) => void;
}

interface Sequential {
  label: string;
  count: number;
  cpuMsPerRequest: number;
  medianMs: number;
  p99Ms: number;
  otherCores: number;
  profile?: ProfileSummary;
}

async function send(server: ProfiledServer, planned: Planned, label: string): Promise<Answer> {
  const answer = await request(`${server.origin}${planned.pathname}`, { ...planned.options, agent });
  if (answer.status !== planned.expect) {
    throw new Error(`${label}: ${planned.options.method ?? "GET"} ${planned.pathname} answered ${answer.status}, not ${planned.expect}: ${answer.body.toString("utf8", 0, 300)}`);
  }
  planned.check?.(answer);
  return answer;
}

/**
 * `warmUp` requests, then `measured` ones with the server's CPU counted over them; `plan(index)`
 * gives each (indexes run on past `warmUp + measured` for the profiled pass).
 */
async function sequential(
  context: BenchContext,
  server: ProfiledServer,
  label: string,
  counts: { warmUp: number; measured: number },
  plan: (index: number) => Planned,
  profile = false,
): Promise<Sequential> {
  context.log(`per-path: ${label}: ${counts.warmUp} + ${counts.measured} requests, one at a time`);
  for (let index = 0; index < counts.warmUp; index++) await send(server, plan(index), label);
  const times: number[] = [];
  const stop = cpuWindow(server.pid);
  for (let index = counts.warmUp; index < counts.warmUp + counts.measured; index++) times.push((await send(server, plan(index), label)).ms);
  const window = stop();
  let summary: ProfileSummary | undefined;
  if (PROFILE && profile) {
    const stopProfile = await startProfile(server, context.tmpDir, "per-path");
    const first = counts.warmUp + counts.measured;
    for (let index = first; index < first + PROFILED_REQUESTS; index++) await send(server, plan(index), label);
    summary = await stopProfile();
  }
  times.sort((a, b) => a - b);
  return {
    label,
    count: counts.measured,
    cpuMsPerRequest: window.serverMs / counts.measured,
    medianMs: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    otherCores: window.otherCores,
    profile: summary,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

interface ClaimQuestion {
  id: string;
  title: string;
  forecasts: number;
  comments: number;
}

interface PageBytes {
  label: string;
  raw: number;
  gzip: number;
  /** Content-Encoding of the answer to `Accept-Encoding: gzip`: anything but gzip is a server bug. */
  gzipServedAs: string;
  inlineScripts: number;
  commentsOnPage: number;
}

interface NamedLoad {
  label: string;
  load: LoadResult;
}

interface Joins {
  label: string;
  step: FleetStep;
  window: CpuWindow;
}

interface PerPathRun {
  scene: Scene;
  claim: ClaimQuestion;
  pages: Record<"fewSignedIn" | "longSignedIn" | "longAnonymous" | "articleSignedIn", Sequential>;
  bytes: PageBytes[];
  /** The anonymous page asked for with `Accept-Encoding: gzip` after the browser-like views. */
  gzipOnlyAnswer: { encoding: string; cache: string };
  loads: Record<"anonymous" | "fewSignedIn" | "longSignedIn" | "articleSignedIn" | "bareExpress", NamedLoad>;
  saves: Sequential;
  postsAlone: Sequential;
  postsWithListeners: Sequential;
  joins: { ours: Joins; bare: Joins };
  serverErrors: string[];
}

const signedInCheck = (answer: Answer) => {
  if (!String(answer.headers["cache-control"]).includes("private")) {
    throw new Error(`the session cookie did not sign the reader in (Cache-Control: ${answer.headers["cache-control"]})`);
  }
};
const cachedCheck = (answer: Answer) => {
  if (!CACHE_HIT.has(String(answer.headers["x-page-cache"]))) throw new Error(`an anonymous request was not answered by the page cache (X-Page-Cache: ${answer.headers["x-page-cache"]})`);
};

function inlineScriptBytes(html: string): number {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].reduce((sum, match) => sum + Buffer.byteLength(match[1]!), 0);
}

async function pageBytes(server: ProfiledServer, label: string, pathname: string, cookie: string | undefined, commentIds: string[]): Promise<PageBytes> {
  const headers = { accept: "text/html", ...(cookie ? { cookie } : {}) };
  const raw = await send(server, { pathname, options: { headers: { ...headers, "accept-encoding": "identity" } }, expect: 200 }, label);
  if (raw.headers["content-encoding"] !== undefined) throw new Error(`${label}: compressed (${raw.headers["content-encoding"]}) although asked for identity`);
  const gzipped = await send(server, { pathname, options: { headers: { ...headers, "accept-encoding": "gzip" } }, expect: 200 }, label);
  const encoding = String(gzipped.headers["content-encoding"] ?? "identity");
  const html = raw.body.toString("utf8");
  return {
    label,
    raw: raw.body.length,
    // What the compression middleware would send (zlib's default level), should the server answer otherwise.
    gzip: encoding === "gzip" ? gzipped.body.length : gzipSync(raw.body).length,
    gzipServedAs: encoding,
    inlineScripts: inlineScriptBytes(html),
    commentsOnPage: commentIds.filter((id) => html.includes(id)).length,
  };
}

async function load(context: BenchContext, label: string, url: string, pid: number, cookie?: string): Promise<NamedLoad> {
  context.log(`per-path: ${label}: ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s at ${LOAD.connections} connections`);
  return { label, load: await measureLoad(url, pid, { ...LOAD, headers: cookie ? { cookie } : undefined }) };
}

/** Joins every connected listener to `questionId`, counting the server's CPU until the presence batch after the last ack has gone. */
async function timedJoins(label: string, server: { pid: number }, fleet: ListenerFleet, questionId: string): Promise<Joins> {
  const stop = cpuWindow(server.pid, fleet.pids);
  const step = await fleet.join(questionId, STEP_DEADLINE_MS);
  await delay(JOIN_SETTLE_MS);
  const window = stop();
  if (step.done !== LISTENERS) throw new Error(`${label}: only ${step.done} of ${LISTENERS} listeners joined (${step.errorSamples.join("; ")})`);
  return { label, step, window };
}

async function connectFleet(fleet: ListenerFleet, origin: string, label: string): Promise<void> {
  const step = await fleet.connect(origin, LISTENERS, STEP_DEADLINE_MS);
  if (step.done !== LISTENERS) throw new Error(`${label}: only ${step.done} of ${LISTENERS} listeners connected (${step.errorSamples.join("; ")})`);
}

/** bench/bare-socketio-server.ts, through tsx (its loader costs at start-up only). */
async function startBareSocketIo(tmpDir: string): Promise<ProfiledServer> {
  const port = await freePort();
  const env = { NODE_ENV: "production", PORT: String(port) };
  return startNodeServer(tmpDir, { name: "per-path-bare-socketio", cwd: projectRoot, args: ["--import", "tsx", path.join("bench", "bare-socketio-server.ts")], env, port });
}

function commentBody(index: number): string {
  return [
    `Per-path comment ${index}: open-weight downloads tripled last year, and **most of that growth** came from models above 70B parameters.`,
    "- Price cuts follow open releases within *90 days*\n- Compliance costs favour incumbents",
    "See [the Q4 deployment review](https://example.com/reports/q4-2025-deployments); @marcus made the same point.",
  ].join("\n\n");
}

async function run(context: BenchContext): Promise<PerPathRun> {
  const { log, tmpDir } = context;
  const databaseUrl = freshDatabaseUrl(tmpDir);
  log("per-path: migrating and seeding a fresh database (the viral bench's scene)");
  await deployMigrations(databaseUrl);
  const db = createDb(databaseUrl);
  let server: ProfiledServer | undefined;
  let bareSocketIo: ProfiledServer | undefined;
  let fleet: ListenerFleet | undefined;
  try {
    await seedDatabase(db);
    const scene = await buildScene(db, log);
    const claimRow = await db.question.findFirstOrThrow({
      where: { kind: "binary", article: { slug: openVsClosedAi2026.slug } },
      orderBy: { position: "asc" },
      select: { id: true, title: true },
    });
    const claim: ClaimQuestion = {
      ...claimRow,
      forecasts: await db.forecast.count({ where: { questionId: claimRow.id } }),
      comments: await db.comment.count({ where: { questionId: claimRow.id } }),
    };
    log("per-path: starting the built server on it (load shedding off)");
    // Load shedding off: one request at a time after a slow one can meet a delayed loop and be
    // refused, and a refusal is not the path being measured. One process (WORKERS unset, whatever
    // the shell says): the CPU read from /proc is that process's.
    server = await startServer(context, databaseUrl, { name: "per-path", env: { ...RATE_LIMITS_OFF, LOAD_SHED_DELAY_MS: "0", WORKERS: "" }, inspect: PROFILE });
    const origin = server.origin;
    const longPath = `/questions/${scene.questionId}`;
    const fewPath = `/questions/${claim.id}`;
    const readerCookie = (index: number) => `${cookieName}=${scene.readers[index % scene.readers.length]!.token}`;
    const signedInPage = (pathname: string) => (index: number): Planned => ({ pathname, options: { headers: { ...PAGE_HEADERS, cookie: readerCookie(index) } }, expect: 200, check: signedInCheck });

    // The anonymous page's first view is a browser's (it accepts br); a client that accepts only
    // gzip, right after, must still get gzip or nothing from the page cache.
    await send(server, { pathname: longPath, options: { headers: PAGE_HEADERS }, expect: 200 }, "anonymous page, first view");
    const gzipOnly = await send(server, { pathname: longPath, options: { headers: { accept: "text/html", "accept-encoding": "gzip" } }, expect: 200 }, "anonymous page, gzip only");
    const gzipOnlyAnswer = { encoding: String(gzipOnly.headers["content-encoding"] ?? "identity"), cache: String(gzipOnly.headers["x-page-cache"] ?? "none") };
    // What the pages weigh, before anything is written.
    const bytes = [
      await pageBytes(server, "question page, 250 comments, signed in", longPath, readerCookie(0), scene.commentIds),
      await pageBytes(server, "question page, 250 comments, anonymous (page cache)", longPath, undefined, scene.commentIds),
      await pageBytes(server, "question page, few comments (claim question), signed in", fewPath, readerCookie(0), scene.commentIds),
    ];

    const pages = {
      fewSignedIn: await sequential(context, server, "question page, few comments, signed in", PAGES, signedInPage(fewPath), true),
      longSignedIn: await sequential(context, server, "question page, 250 comments, signed in", PAGES, signedInPage(longPath), true),
      // The warm-up may meet the cache storing a fresh copy; counted requests must be its hits.
      longAnonymous: await sequential(context, server, "question page, 250 comments, anonymous (page cache)", PAGES, (index) => ({
        pathname: longPath,
        options: { headers: PAGE_HEADERS },
        expect: 200,
        check: index < PAGES.warmUp ? undefined : cachedCheck,
      })),
      articleSignedIn: await sequential(context, server, "article page, signed in", PAGES, signedInPage(scene.articlePath)),
    };

    const loads = {
      anonymous: await load(context, "question page, 250 comments, anonymous (page cache)", `${origin}${longPath}`, server.pid),
      fewSignedIn: await load(context, "question page, few comments, signed in", `${origin}${fewPath}`, server.pid, readerCookie(1)),
      longSignedIn: await load(context, "question page, 250 comments, signed in", `${origin}${longPath}`, server.pid, readerCookie(1)),
      articleSignedIn: await load(context, "article page, signed in", `${origin}${scene.articlePath}`, server.pid, readerCookie(1)),
      bareExpress: await (async () => {
        const bare = await startBareExpress();
        try {
          return await load(context, "bare Express 4 “hello”", `${bare.origin}/`, bare.pid);
        } finally {
          await bare.stop();
        }
      })(),
    };

    const post = (index: number, body: string, expect: number): Planned => ({
      pathname: `${longPath}.data`,
      options: {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(Buffer.byteLength(body)), Origin: origin, Cookie: readerCookie(index) },
        body,
      },
      expect,
    });
    const random = mulberry32(20_261_515);
    const save = (index: number) => {
      // A distribution of its own each time: never the saver's current forecast.
      const weights = scene.scenarioIds.map(() => 1 + Math.floor(random() * 20));
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const percents = weights.map((weight) => Math.floor((100 * weight) / total));
      percents[0]! += 100 - percents.reduce((sum, value) => sum + value, 0);
      const fields = new URLSearchParams({ intent: "save" });
      scene.scenarioIds.forEach((id, position) => fields.set(`p_${id}`, String(percents[position])));
      return post(SAVERS_FROM + index, fields.toString(), 200);
    };
    // Thread openers are every fifth seeded comment (an opener and its four replies).
    const openers = scene.commentIds.filter((_, position) => position % 5 === 0);
    const comment = (firstReader: number) => (index: number) => {
      const parentId = index % 2 === 0 ? "" : openers[index % openers.length]!;
      return post(firstReader + index, new URLSearchParams({ intent: "comment", body: commentBody(firstReader + index), parentId }).toString(), 201);
    };
    const saves = await sequential(context, server, "forecast save", SAVES, save, true);
    const postsAlone = await sequential(context, server, "comment post, nobody listening", POSTS, comment(POSTERS_ALONE_FROM), true);

    log(`per-path: ${integer(LISTENERS)} socket.io listeners connecting, then joining the 250-comment question`);
    fleet = ListenerFleet.start(LISTENER_PROCESSES, tmpDir, JOINS_IN_FLIGHT);
    await connectFleet(fleet, origin, "Crowdline");
    // Whatever the connections set off drains before the joins are counted.
    await delay(1_000);
    const oursJoins = await timedJoins("Crowdline", server, fleet, scene.questionId);
    const postsWithListeners = await sequential(context, server, `comment post, ${integer(LISTENERS)} listeners`, POSTS, comment(POSTERS_WITH_LISTENERS_FROM));
    await fleet.disconnect();
    const serverErrors = server
      .log()
      .split("\n")
      .filter((line) => /"level":(50|60)/.test(line));
    await server.stop();
    server = undefined;

    log(`per-path: the same ${integer(LISTENERS)} listeners joining a room on bare socket.io`);
    bareSocketIo = await startBareSocketIo(tmpDir);
    await connectFleet(fleet, bareSocketIo.origin, "bare socket.io");
    await delay(1_000);
    const bareJoins = await timedJoins("bare socket.io", bareSocketIo, fleet, scene.questionId);
    await fleet.disconnect();

    return { scene, claim, pages, bytes, gzipOnlyAnswer, loads, saves, postsAlone, postsWithListeners, joins: { ours: oursJoins, bare: bareJoins }, serverErrors };
  } finally {
    await fleet?.stop();
    await server?.stop();
    await bareSocketIo?.stop();
    await db.$disconnect();
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The report

const failures = (result: LoadResult) => result.errors + result.non2xx;
const loadPasses = (result: LoadResult) => failures(result) === 0 && result.totalRequests > 0 && result.requestsPerSecond >= TARGET.pageRps && result.latencyP99Ms <= TARGET.pageP99Ms;
const loadText = (result: LoadResult) =>
  result.totalRequests === 0
    ? "no request completed within autocannon's 10 s timeout"
    : `${integer(result.requestsPerSecond)} req/s, p99 ${integer(result.latencyP99Ms)} ms${failures(result) ? `, ${integer(failures(result))} failed (${integer(result.non2xx)} non-2xx)` : ""}`;
const ratio = (part: number, whole: number) => (whole > 0 ? (part / whole).toFixed(3) : "—");

function cpuMetric(name: string, measured: Sequential, target: number): Metric {
  return { name, result: ms(measured.cpuMsPerRequest, 2), target: `≤ ${target} ms`, pass: measured.cpuMsPerRequest <= target };
}

function buildReport(result: PerPathRun): BenchReport {
  const { scene, claim, pages, bytes, loads, saves, postsAlone, postsWithListeners, joins } = result;
  const anonymousRps = loads.anonymous.load.requestsPerSecond;
  const bareRps = loads.bareExpress.load.requestsPerSecond;
  const joinRatio = joins.ours.window.serverMs / Math.max(1e-9, joins.bare.window.serverMs);
  const loadTarget = `≥ ${TARGET.pageRps} req/s, p99 ≤ ${TARGET.pageP99Ms} ms`;
  const [longSignedInBytes, longAnonymousBytes] = bytes as [PageBytes, PageBytes, PageBytes];
  const bytesMetric = (page: PageBytes): Metric => ({
    name: `Question page HTML, 250-comment thread, ${page.label.includes("anonymous") ? "anonymous" : "signed in"}: raw / gzip`,
    result: `${kilobytes(page.raw)} / ${kilobytes(page.gzip)}`,
    target: `≤ ${TARGET.htmlRawKB} KB / ≤ ${TARGET.htmlGzipKB} KB`,
    pass: page.raw <= TARGET.htmlRawKB * 1000 && page.gzip <= TARGET.htmlGzipKB * 1000,
  });
  const serverCpuPerRequest = (named: NamedLoad) => (named.load.cpu && named.load.requestsPerSecond > 0 ? (1000 * named.load.cpu.watched) / named.load.requestsPerSecond : Number.NaN);

  const metrics: Metric[] = [
    cpuMetric("Question page, signed in, few comments: server CPU per request", pages.fewSignedIn, TARGET.fewCommentsCpuMs),
    cpuMetric("Question page, signed in, 250 comments: server CPU per request", pages.longSignedIn, TARGET.longThreadCpuMs),
    { name: "Question page, few comments, 50 signed-in connections", result: loadText(loads.fewSignedIn.load), target: loadTarget, pass: loadPasses(loads.fewSignedIn.load) },
    { name: "Question page, 250 comments, 50 signed-in connections", result: loadText(loads.longSignedIn.load), target: loadTarget, pass: loadPasses(loads.longSignedIn.load) },
    { name: "Article page, 50 signed-in connections", result: loadText(loads.articleSignedIn.load), target: loadTarget, pass: loadPasses(loads.articleSignedIn.load) },
    cpuMetric("Comment post: server CPU per post, nobody listening", postsAlone, TARGET.postCpuMs),
    cpuMetric(`Comment post: server CPU per post, ${integer(LISTENERS)} listeners joined`, postsWithListeners, TARGET.postCpuMs),
    cpuMetric("Forecast save: server CPU per save", saves, TARGET.saveCpuMs),
    {
      name: `Socket question:join: server CPU for ${integer(LISTENERS)} joins, ours vs bare socket.io`,
      result: `${integer(joins.ours.window.serverMs)} ms vs ${integer(joins.bare.window.serverMs)} ms = ${joinRatio.toFixed(1)} × bare`,
      target: `≤ ${TARGET.joinVsBare} × bare`,
      pass: joinRatio <= TARGET.joinVsBare,
    },
    bytesMetric(longSignedInBytes),
    bytesMetric(longAnonymousBytes),
    {
      name: "Reference: question page, 250 comments, anonymous (page cache), 50 connections",
      result: `${loadText(loads.anonymous.load)}; ${ms(pages.longAnonymous.cpuMsPerRequest, 2)} CPU per request one at a time`,
    },
    { name: "Reference: bare Express 4 “hello”, 50 connections", result: loadText(loads.bareExpress.load) },
    { name: "Reference: article page, signed in: server CPU per request", result: ms(pages.articleSignedIn.cpuMsPerRequest, 2) },
    ...(["fewSignedIn", "longSignedIn", "articleSignedIn"] as const).map((key) => ({
      name: `Ratio: ${loads[key].label} req/s ÷ anonymous cached page / ÷ bare Express`,
      result: `${ratio(loads[key].load.requestsPerSecond, anonymousRps)} / ${ratio(loads[key].load.requestsPerSecond, bareRps)}`,
    })),
    {
      name: "Ratio: server CPU per request, signed in ÷ anonymous cached page (few comments / 250 comments)",
      result: `${ratio(pages.fewSignedIn.cpuMsPerRequest, pages.longAnonymous.cpuMsPerRequest)} / ${ratio(pages.longSignedIn.cpuMsPerRequest, pages.longAnonymous.cpuMsPerRequest)}`,
    },
    {
      name: "Anonymous page cache: Content-Encoding served to Accept-Encoding: gzip, right after a first view that accepts br",
      result: `${result.gzipOnlyAnswer.encoding} (X-Page-Cache: ${result.gzipOnlyAnswer.cache})`,
      target: "gzip",
      pass: result.gzipOnlyAnswer.encoding === "gzip",
    },
    {
      name: "Server log: errors (pino level error or fatal)",
      result: result.serverErrors.length === 0 ? "none" : `${integer(result.serverErrors.length)}, first: ${result.serverErrors[0]!.slice(0, 200)}`,
    },
  ];

  const sequentialRuns = [pages.fewSignedIn, pages.longSignedIn, pages.longAnonymous, pages.articleSignedIn, saves, postsAlone, postsWithListeners];
  const namedLoads = Object.values(loads);
  const details: DetailTable[] = [
    {
      caption: "One request at a time (one keep-alive connection, Accept-Encoding gzip as a browser sends), after a warm-up",
      columns: ["path", "requests", "latency p50 / p99", "server CPU per request", "other processes (cores)"],
      rows: sequentialRuns.map((run) => [run.label, integer(run.count), `${ms(run.medianMs)} / ${ms(run.p99Ms)}`, ms(run.cpuMsPerRequest, 2), cores(run.otherCores)]),
    },
    {
      caption: `At ${LOAD.connections} connections (autocannon, ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s, no Accept-Encoding)`,
      columns: ["path", "req/s", "p50 / p99 / max", "requests", "errors / timeouts / non-2xx", "server CPU per request", "cores: server / autocannon / other"],
      rows: namedLoads.map(({ label, load: run }) => [
        label,
        integer(run.requestsPerSecond),
        `${integer(run.latencyP50Ms)} / ${integer(run.latencyP99Ms)} / ${integer(run.latencyMaxMs)} ms`,
        integer(run.totalRequests),
        `${integer(run.errors)} / ${integer(run.timeouts)} / ${integer(run.non2xx)}`,
        ms(serverCpuPerRequest({ label, load: run }), 2),
        run.cpu ? `${cores(run.cpu.watched)} / ${cores(run.cpu.reapedChildren)} / ${cores(run.cpu.other)}` : "?",
      ]),
    },
    {
      caption: "Page weight (1 KB = 1000 bytes; gzip as the server sends it when asked)",
      columns: ["page", "raw", "gzip", "answer to Accept-Encoding: gzip", "of raw: inline scripts", "seeded comments in the HTML"],
      rows: bytes.map((page) => [
        page.label,
        kilobytes(page.raw),
        `${kilobytes(page.gzip)}${page.gzipServedAs === "gzip" ? "" : " (zlib default level, here)"}`,
        page.gzipServedAs,
        kilobytes(page.inlineScripts),
        `${integer(page.commentsOnPage)} of ${integer(scene.commentIds.length)}`,
      ]),
    },
    {
      caption: `${integer(LISTENERS)} socket.io listeners joining one room (${JOINS_IN_FLIGHT} joins in flight, ${LISTENER_PROCESSES} listener processes)`,
      columns: ["server", "joined", "joins took", "server CPU (to 1.5 s after the last ack)", "per join", "other processes (cores)"],
      rows: [joins.ours, joins.bare].map(({ label, step, window }) => [
        label,
        integer(step.done),
        ms(step.ms, 0),
        ms(window.serverMs, 0),
        ms(window.serverMs / Math.max(1, step.done), 2),
        cores(window.otherCores),
      ]),
    },
    { caption: "Setup", columns: ["step", "took"], rows: scene.setup },
  ];
  for (const run of sequentialRuns.filter((candidate) => candidate.profile)) {
    const profile = run.profile!;
    const share = (value: number) => `${((100 * value) / Math.max(1, profile.busyMs)).toFixed(1)} %`;
    details.push({
      caption: `${run.label}: server CPU over ${PROFILED_REQUESTS} more requests under the profiler (${integer(profile.busyMs)} ms busy), by place`,
      columns: ["place", "ms", "of busy time"],
      rows: top(profile.byPlace, 10).map(([place, value]) => [`\`${place}\``, integer(value), share(value)]),
    });
    details.push({
      caption: `${run.label}: top functions by self time`,
      columns: ["function", "ms", "of busy time"],
      rows: top(profile.byFunction, 10).map(([name, value]) => [`\`${name}\``, integer(value), share(value)]),
    });
  }

  const busiest = Math.max(
    ...sequentialRuns.map((run) => run.otherCores),
    ...namedLoads.map(({ load: run }) => run.cpu?.other ?? 0),
    joins.ours.window.otherCores,
    joins.bare.window.otherCores,
  );
  const notes: string[] = [];
  if (busiest > BUSY_MACHINE_CORES) {
    notes.push(`**The machine was busy**: other processes used up to ${cores(busiest)} cores during a measurement, so CPU per request may be overstated (shared caches, frequency) and throughput understated; the ratios below, from the same run, hold better.`);
  }
  notes.push(
    `Database: the viral bench's scene (\`buildScene\` in bench/viral.ts) on the seed data: ${integer(scene.readers.length)} readers and ${integer(scene.readers.length)} other forecasters with sessions; the seed article's scenario question with ${integer(scene.commentIds.length)} comments (50 threads of an opener and 4 replies) and 2,000 forecasts (through the app's forecast writer). SQLite, production build (\`node build/server.js\`).`,
    `"Few comments" is the same database's claim question ("${claim.title}", the seed article's first binary question): ${integer(claim.comments)} comments and ${integer(claim.forecasts)} forecasts, only its seeded baseline.`,
    `The question page renders only the first page of the discussion (10 threads with their replies; the rest load on demand): ${integer(longSignedInBytes.commentsOnPage)} of the ${integer(scene.commentIds.length)} seeded comments are in the signed-in HTML, so the 250-comment rows measure a page with about 50 comments on it.`,
    `Server CPU per request: user + system time of the server process from /proc (10 ms clock ticks) over ${PAGES.measured} pages, ${SAVES.measured} saves or ${POSTS.measured} posts sent one after another on one keep-alive connection after ${PAGES.warmUp} (saves ${SAVES.warmUp}, posts ${POSTS.warmUp}) not counted; divided by the count, so it includes everything the server did meanwhile (timers, garbage collection, the presence and broadcast batches). Signed-in pages rotate over the ${integer(scene.readers.length)} readers' sessions (\`${cookieName}\` cookie); the discussion's first page is a shared read kept up to 2 s per question, so one after another most pages find it read, as a crowd of readers would.`,
    `The server ran with LOAD_SHED_DELAY_MS=0 (no load shedding: a refusal is not the path measured, and any status but 200, or 201 for a comment, stops the bench) and the comment and sign-in limits at 100,000 a minute; saves and posts each come from a reader of their own (${SAVES.warmUp + SAVES.measured} savers, ${2 * (POSTS.warmUp + POSTS.measured)} posters), every save a new distribution over the reader's seeded forecast.`,
    `Comment posts go to \`${"/questions/:id.data"}\` with the page's Origin, half new threads and half replies to a thread opener, bodies of about 300 characters of markdown; the thread grows by ${2 * (POSTS.warmUp + POSTS.measured)} comments over the two runs. The ${integer(LISTENERS)} listeners (bench/live-fleet.ts: anonymous websocket clients in ${LISTENER_PROCESSES} processes) joined the 250-comment question first.`,
    `Joins: the same ${integer(LISTENERS)} connected listeners join, ${JOINS_IN_FLIGHT} at a time; the server's CPU is counted from the first join to ${JOIN_SETTLE_MS / 1000} s after the last ack (the app sends presence in batches a second apart), the same window for bench/bare-socketio-server.ts (socket.io 4 alone, run through tsx) on a fresh process.`,
    `At ${LOAD.connections} connections: autocannon 8 in its own process, one reader's cookie on every connection for the signed-in rows, no Accept-Encoding (pages go out uncompressed); the anonymous row is the page cache's (bench checks X-Page-Cache: HIT) and bare Express is bench/bare-express-server.ts. Ratios are of req/s from this run: absolute figures vary ±50 % between runs on these machines.`,
  );
  if (PROFILE) {
    notes.push(`The server ran with \`--inspect\` (BENCH_CPU_PROFILE): profiles cover ${PROFILED_REQUESTS} extra requests after each profiled measurement, not the counted ones.`);
  } else {
    notes.push("Rerun with `BENCH_CPU_PROFILE=1` to add CPU profiles of the signed-in pages, saves and posts.");
  }
  if (result.gzipOnlyAnswer.encoding !== "gzip") {
    notes.push(
      `The page cache answered a client that accepts only gzip with Content-Encoding ${result.gzipOnlyAnswer.encoding} (X-Page-Cache: ${result.gzipOnlyAnswer.cache}): it keys its copies by whether Accept-Encoding names gzip, and the copy stored from a browser's view ("gzip, deflate, br") is compressed with what the compression middleware picked for that browser. Where the table shows a computed gzip size, the server did not send gzip.`,
    );
  }
  if (result.serverErrors.length > 0) notes.push(`The server logged ${integer(result.serverErrors.length)} errors; first: \`${result.serverErrors[0]!.slice(0, 300).replaceAll("`", "'")}\``);
  return { metrics, notes, details };
}

export const perPathBench: Bench = {
  id: "per-path",
  title: "Per path (issue 15's table, realistic database)",
  description:
    "Issue 15's per-path targets on the viral bench's database (1 000 signed-in readers; the scenario question with 250 comments and 2 000 forecasts) against one production server with load shedding off: server CPU per request (from /proc over hundreds of requests one at a time) of the signed-in question page with few and with 250 comments, a comment post alone and with 1 000 socket.io listeners in the room, and a forecast save; throughput and p99 at 50 signed-in connections of both question pages and the article page; the server CPU 1 000 `question:join`s cost against bare socket.io; the 250-comment page's weight. The anonymous cached question page and bare Express are measured in the same run and the signed-in pages read as ratios of them.",
  async run(context) {
    return buildReport(await run(context));
  },
};
