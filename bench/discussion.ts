// The discussion under a question (docs/decisions/013): what a long discussion costs the question
// page, the markdown renderer on its own, posting comments through the real action over HTTP with
// live delivery to a room of socket.io listeners, and the bytes a long discussion adds to the page
// and to the browser's downloads.
//
// Listeners are real socket.io clients in processes of their own: this file run as a script
// (`node --import tsx bench/discussion.ts listen <plan.json>`, see the end of the file), because the
// live bench's listeners (bench/live-listeners.ts) note aggregates, not comments.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { io, type Socket } from "socket.io-client";
import { sessionCookieSettings } from "../app/auth/session.server";
import { createDb, type Db } from "../app/db.server";
import { renderCommentMarkdown } from "../app/domain/comment-markdown";
import { COMMENT_PAGE_SIZE } from "../app/domain/comment";
import { createComment } from "../app/models/comment.server";
import { SOCKET_PATH, isJoinError, type ClientToServerEvents, type ServerToClientEvents } from "../app/realtime/contract";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { mulberry32 } from "../test/seeded-random";
import { createSignedInReaders, type SignedInReader } from "../test/signed-in-readers";
import { type CpuShares, cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import {
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  assertLoopback,
  freshDatabaseUrl,
  projectRoot,
  request,
} from "./harness";
import { type LoadOptions, type LoadResult, measureLoad } from "./load-test";
import { GZIP_LEVEL, type ShippedJavaScript, measureShippedJavaScript } from "./page-javascript";
import { type ProfileSummary, top } from "./live-profile";
import { type ProfiledServer, RATE_LIMITS_OFF, startProfile, startServer } from "./server-profile";

/** The long discussion (250 comments): the question page renders its first page of threads, each with its replies. */
const THREADS = 50;
const REPLIES_PER_THREAD = 4;
const SEEDED_COMMENTS = THREADS * (1 + REPLIES_PER_THREAD);
// As the article-page bench loads its page, signed-in readers included (its LOAD).
const PAGE_LOAD: LoadOptions = { connections: 50, warmupSeconds: 3, durationSeconds: 10 };
/** One request at a time: the page's own service time, without the queue 50 connections build. */
const ONE_AT_A_TIME: LoadOptions = { connections: 1, warmupSeconds: 2, durationSeconds: 5 };
/** Enough distinct bodies that no branch predictor or inline cache sees one comment over and over. */
const RENDER = { distinct: 500, warmUp: 500, samples: 4_000, minLength: 450, maxLength: 550 };
const POSTING = { users: 50, concurrency: 10, warmUp: 50, measured: 500 };
const LISTENERS = 1_000;
const LISTENER_PROCESSES = 2;
/** Per listener process: handshakes or joins awaiting their answer at once. */
const JOIN_CONCURRENCY = 50;
const STEP_DEADLINE_MS = 60_000;
/** After the last POST's answer: time for the last broadcast to reach every listener. */
const STRAGGLERS_MS = 2_000;
const TARGET = { renderP99Micros: 1_000, signedInP99Ms: 200, deliveryP99Ms: 250, questionPageJsGzipKB: 200 };
// A cookie that is not a session: the shared page cache passes any request with a cookie to the
// renderer (server/page-cache.ts), and without a session the page renders as for any visitor.
const CACHE_BYPASS_COOKIE = "crowdline_bench=anonymous";
/** Set (to anything) to add CPU profiles of the signed-in long page and of posting to listeners. */
const PROFILE = Boolean(process.env.BENCH_CPU_PROFILE);
// Same rule as the other benches: above this, other processes took a noticeable share of the cores.
const BUSY_MACHINE_CORES = 0.25;

const clock = () => performance.timeOrigin + performance.now();
const thisFile = fileURLToPath(import.meta.url);

// Ctrl-C reaches only the runner when it is not run from a terminal; the listeners must stop with it.
const children = new Set<ChildProcess>();
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

// ---------------------------------------------------------------------------------------------
// Comment bodies: markdown as people write it under a forecast (emphasis, links, lists, a mention),
// seeded so that every run renders the same text.

const SENTENCES = [
  "Open-weight downloads tripled last year, and most of that growth came from models above 70B parameters.",
  "Closed providers have cut API prices four times since Q2 2024, each time within a quarter of a major open release.",
  "The benchmark gap is a distraction; what matters is who owns deployment once the weights cost nothing.",
  "Enterprise buyers care about support contracts and indemnities far more than about two points on MMLU.",
  "Fine-tuning costs keep falling, which favours companies that already hold proprietary data.",
  "Regulation in the EU could still tilt the field towards a few large vendors with compliance teams.",
  "I moved my forecast after reading the Q4 deployment review: 9 of 14 firms spent more in-house than on APIs.",
  "Inference hardware is the real bottleneck, and it is concentrated in even fewer hands than the models.",
  "A hybrid market seems most likely to me: open models for the long tail, closed ones at the frontier.",
  "The crossover at around 50,000 daily users is a useful rule of thumb, but it moves with every price cut.",
  "History suggests platforms consolidate, yet Linux shows an open layer can win the infrastructure.",
  "If frontier training runs keep costing ten times more each generation, only a handful of labs can follow.",
];
const EMPHASIS = ["**the decisive question**", "*much* faster", "**not** the benchmark", "_by late 2027_", "**integration**", "*proprietary data*"];
const LINKS = [
  "[the Q4 deployment review](https://example.com/reports/q4-2025-deployments?src=crowdline)",
  "[Hugging Face download stats](https://huggingface.co/models?sort=downloads)",
  "[this thread on pricing](https://example.org/forum/t/api-pricing-2026#post-12)",
  "[the article's data section](/articles/open-vs-closed-ai-2026)",
];
const MENTIONS = ["@priya_k", "@open_weights_fan", "@marcus", "@forecaster_42", "@lena_m", "@dataroom"];
const LIST_ITEMS = [
  "**Downloads**: still rising, 4.1B in 2025",
  "Price cuts follow open releases within *90 days*",
  "In-house serving wins above ~50k daily users",
  "Compliance costs favour incumbents",
  "Hardware supply stays the constraint",
  "Open fine-tunes dominate niche domains",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Markdown of roughly `targetLength` characters (never under 200, never over 800 with the defaults). */
function commentBody(random: () => number, targetLength: number, suffix = ""): string {
  const opening = `${pick(random, SENTENCES)} That is ${pick(random, EMPHASIS)} here.`;
  const closing = `See ${pick(random, LINKS)}; ${pick(random, MENTIONS)} made the same point.${suffix}`;
  const blocks = [opening];
  if (targetLength > 350) {
    const items = 2 + Math.floor(random() * 3);
    const ordered = random() < 0.5;
    blocks.push(Array.from({ length: items }, (_, index) => `${ordered ? `${index + 1}.` : "-"} ${pick(random, LIST_ITEMS)}`).join("\n"));
  }
  let middle = "";
  const length = () => blocks.join("\n\n").length + closing.length + middle.length + 4;
  for (let tries = 0; tries < 20; tries++) {
    const next = pick(random, SENTENCES);
    if (length() + next.length + 1 > targetLength) continue;
    middle = middle ? `${middle} ${next}` : next;
  }
  if (middle) blocks.push(middle);
  blocks.push(closing);
  return blocks.join("\n\n");
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

interface Distribution {
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

function distribution(values: number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { min: sorted[0] ?? Number.NaN, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, mean: sum / Math.max(1, sorted.length), count: sorted.length };
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => `${value.toFixed(1)} ms`;
const micros = (value: number) => `${Math.round(value).toLocaleString("en-US")} µs`;
const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const triple = (d: Distribution) => `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`;

// ---------------------------------------------------------------------------------------------
// 1. The renderer alone, in this process

interface RendererRun {
  perComment: Distribution;
  /** Over the distinct bodies: characters in, and whether each feature made it into the HTML. */
  meanLength: number;
  htmlToMarkdown: number;
  features: Record<"emphasis" | "link" | "list" | "mention", number>;
  /** The page's own 250 seeded bodies, rendered one after another as the loader does. */
  pageOfComments: Distribution;
  otherCores: number | undefined;
}

function measureRenderer(pageBodies: string[]): RendererRun {
  const random = mulberry32(20_261_201);
  const bodies = Array.from({ length: RENDER.distinct }, () => commentBody(random, RENDER.minLength + random() * (RENDER.maxLength - RENDER.minLength)));
  const features = { emphasis: 0, link: 0, list: 0, mention: 0 };
  let htmlLength = 0;
  for (let index = 0; index < RENDER.warmUp; index++) {
    const html = renderCommentMarkdown(bodies[index % bodies.length]!);
    if (index >= bodies.length) continue;
    htmlLength += html.length;
    if (/<(strong|em)>/.test(html)) features.emphasis += 1;
    if (/<a href="https?:/.test(html)) features.link += 1;
    if (/<(ul|ol)>/.test(html)) features.list += 1;
    if (html.includes('class="mention"')) features.mention += 1;
  }
  const before = takeCpuSnapshot(process.pid);
  const samples: number[] = [];
  for (let index = 0; index < RENDER.samples; index++) {
    const body = bodies[index % bodies.length]!;
    const start = process.hrtime.bigint();
    renderCommentMarkdown(body);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const page: number[] = [];
  for (let round = 0; round < 20; round++) {
    const start = process.hrtime.bigint();
    for (const body of pageBodies) renderCommentMarkdown(body);
    page.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const after = takeCpuSnapshot(process.pid);
  const totalLength = bodies.reduce((sum, body) => sum + body.length, 0);
  return {
    perComment: distribution(samples),
    meanLength: totalLength / bodies.length,
    htmlToMarkdown: htmlLength / totalLength,
    features,
    pageOfComments: distribution(page),
    otherCores: before && after ? cpuSharesBetween(before, after).other : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// The server

/** A GET read to its end; `body` as it came over the wire, compressed when the server compressed it. */
const get = (url: string, headers: Record<string, string>) => request(url, { headers });

// ---------------------------------------------------------------------------------------------
// 2. The question page, with and without the long discussion

type PageMode = "anonymous" | "bypass" | "signedIn";
const MODE_LABEL: Record<PageMode, string> = {
  anonymous: "anonymous (shared page cache)",
  bypass: "anonymous, cache bypassed",
  signedIn: "signed in",
};

interface PageState {
  comments: number;
  loads: Record<PageMode, LoadResult>;
  /** Signed in, one connection. */
  oneAtATime: LoadResult;
  /** Uncompressed HTML of the anonymous page, and the same as the server gzips it. */
  htmlBytes: number;
  gzipServedBytes: number;
  gzip9Bytes: number;
  javaScript: ShippedJavaScript;
  /** Seeded comment ids found in the signed-in page's HTML. */
  idsOnPage: number;
  profile?: ProfileSummary;
}

/** Checks what each mode gets before loading it: a bypass that hit the cache, or a session that did not sign in, would measure something else. */
async function checkModes(pageUrl: string, sessionCookie: string): Promise<void> {
  const anonymous = await get(pageUrl, {});
  const again = await get(pageUrl, {});
  const bypass = await get(pageUrl, { cookie: CACHE_BYPASS_COOKIE });
  const signedIn = await get(pageUrl, { cookie: sessionCookie });
  for (const [mode, response] of Object.entries({ anonymous, bypass, signedIn })) {
    if (response.status !== 200) throw new Error(`the question page (${mode}) answered ${response.status}`);
  }
  if (again.headers["x-page-cache"] !== "HIT" && again.headers["x-page-cache"] !== "STALE") throw new Error(`a repeated anonymous request was not answered by the page cache (X-Page-Cache: ${again.headers["x-page-cache"]})`);
  if (bypass.headers["x-page-cache"] !== undefined || !String(bypass.headers["cache-control"]).includes("public")) {
    throw new Error(`the cache-bypass cookie did not reach the renderer as a visitor (X-Page-Cache: ${bypass.headers["x-page-cache"]}, Cache-Control: ${bypass.headers["cache-control"]})`);
  }
  if (!String(signedIn.headers["cache-control"]).includes("private")) throw new Error(`the session cookie did not sign the reader in (Cache-Control: ${signedIn.headers["cache-control"]})`);
}

async function measurePage(
  context: BenchContext,
  server: ProfiledServer,
  pageUrl: string,
  sessionCookie: string,
  seededIds: string[],
): Promise<PageState> {
  const { log } = context;
  const comments = seededIds.length;
  await checkModes(pageUrl, sessionCookie);
  const signedInHtml = (await get(pageUrl, { cookie: sessionCookie, "accept-encoding": "identity" })).body.toString("utf8");
  const idsOnPage = seededIds.filter((id) => signedInHtml.includes(id)).length;
  // The page renders the first page of threads (the newest), each with its replies; the rest load on demand.
  const expectedOnPage = comments === 0 ? 0 : Math.min(THREADS, COMMENT_PAGE_SIZE) * (1 + REPLIES_PER_THREAD);
  if (idsOnPage !== expectedOnPage) throw new Error(`the signed-in page shows ${idsOnPage} of the ${comments} seeded comments (expected its first page: ${expectedOnPage})`);
  const raw = await get(pageUrl, { cookie: CACHE_BYPASS_COOKIE, "accept-encoding": "identity" });
  const gzipped = await get(pageUrl, { cookie: CACHE_BYPASS_COOKIE, "accept-encoding": "gzip" });
  if (gzipped.headers["content-encoding"] !== "gzip") throw new Error(`the page was not gzipped when asked (${gzipped.headers["content-encoding"]})`);
  const javaScript = await measureShippedJavaScript(pageUrl);
  const loads = {} as Record<PageMode, LoadResult>;
  let profile: ProfileSummary | undefined;
  log(`discussion: question page, ${comments} comments, signed in, one request at a time: ${ONE_AT_A_TIME.warmupSeconds} s warm-up + ${ONE_AT_A_TIME.durationSeconds} s`);
  const oneAtATime = await measureLoad(pageUrl, server.pid, { ...ONE_AT_A_TIME, headers: { cookie: sessionCookie } });
  for (const mode of ["anonymous", "bypass", "signedIn"] as const) {
    log(`discussion: question page, ${comments} comments, ${MODE_LABEL[mode]}: ${PAGE_LOAD.warmupSeconds} s warm-up + ${PAGE_LOAD.durationSeconds} s at ${PAGE_LOAD.connections} connections`);
    const headers = mode === "anonymous" ? undefined : { cookie: mode === "bypass" ? CACHE_BYPASS_COOKIE : sessionCookie };
    const profiled = PROFILE && mode === "signedIn" && comments > 0;
    if (!profiled) {
      loads[mode] = await measureLoad(pageUrl, server.pid, { ...PAGE_LOAD, headers });
      continue;
    }
    // Warm up unprofiled, then profile exactly the measured window.
    await measureLoad(pageUrl, server.pid, { ...PAGE_LOAD, durationSeconds: PAGE_LOAD.warmupSeconds, warmupSeconds: 0, headers });
    const stop = await startProfile(server, context.tmpDir, "discussion");
    loads[mode] = await measureLoad(pageUrl, server.pid, { ...PAGE_LOAD, warmupSeconds: 0, headers });
    profile = await stop();
  }
  return {
    comments,
    loads,
    oneAtATime,
    htmlBytes: raw.body.length,
    gzipServedBytes: gzipped.body.length,
    gzip9Bytes: gzipSync(raw.body, { level: GZIP_LEVEL }).length,
    javaScript,
    idsOnPage,
    profile,
  };
}

interface Seeded {
  ids: string[];
  bodies: string[];
}

/** 50 threads of an opener and four replies (two answering the opener, two answering those), through the app's own createComment. */
async function seedDiscussion(db: Db, question: { id: string; scenarioIds: string[] }, authors: SignedInReader[]): Promise<Seeded> {
  const random = mulberry32(20_130_013);
  const ids: string[] = [];
  const bodies: string[] = [];
  // Spread over the last days, oldest thread first, replies after their thread's opener.
  const start = Date.now() - THREADS * 3_600_000;
  const add = async (at: number, parentId?: string) => {
    const body = commentBody(random, 200 + random() * 600);
    const scenarioId = !parentId && random() < 0.4 ? pick(random, question.scenarioIds) : undefined;
    const outcome = await createComment(
      {
        questionId: question.id,
        userId: pick(random, authors).userId,
        body,
        parentId,
        scenarioId,
        stance: scenarioId ? (random() < 0.5 ? "for" : "against") : undefined,
        now: new Date(at),
      },
      db,
    );
    if (!outcome.ok) throw new Error(`seeding a comment failed: ${outcome.message}`);
    ids.push(outcome.value.id);
    bodies.push(body);
    return outcome.value.id;
  };
  for (let thread = 0; thread < THREADS; thread++) {
    const at = start + thread * 3_600_000;
    const root = await add(at);
    let previous = root;
    for (let reply = 0; reply < REPLIES_PER_THREAD; reply++) {
      previous = await add(at + (reply + 1) * 60_000, reply % 2 === 0 ? root : previous);
    }
  }
  return { ids, bodies };
}

/** Polls the anonymous page until the shared cache holds the long discussion (it may keep the short one for s-maxage). */
async function waitForCachedPage(pageUrl: string, lastId: string): Promise<void> {
  const deadline = performance.now() + 70_000;
  while (performance.now() < deadline) {
    const page = await get(pageUrl, {});
    if (page.status === 200 && page.body.toString("utf8").includes(lastId)) return;
    await delay(500);
  }
  throw new Error("the anonymous question page never showed the seeded comments");
}

// ---------------------------------------------------------------------------------------------
// 3. Posting, and live delivery to the question's listeners

export interface ListenerPlan {
  origin: string;
  questionId: string;
  count: number;
  concurrency: number;
  deadlineMs: number;
}

interface ListenerReady {
  connected: number;
  joined: number;
  failed: number;
  errorSamples: string[];
  ms: number;
}

interface ListenerReceipts {
  /** Per bench reference (the number in the comment's body), when each joined socket received it. */
  receivedAt: Record<string, number[]>;
  joined: number;
  dropped: number;
  dropReasons: string[];
}

/** `ref` inside a posted comment's body: how a listener tells which POST a broadcast belongs to. */
const refText = (ref: number) => ` (bench ref ${ref})`;
const REF_PATTERN = /\(bench ref (\d+)\)/;

interface ListenerMember {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  stderr: () => string;
}

class ListenerProcesses {
  private constructor(
    private readonly members: ListenerMember[],
    private readonly dir: string,
  ) {}

  static async start(tmpDir: string, plan: Omit<ListenerPlan, "count">, total: number): Promise<{ fleet: ListenerProcesses; ready: ListenerReady }> {
    const dir = mkdtempSync(path.join(tmpDir, "discussion-listeners-"));
    const members = Array.from({ length: LISTENER_PROCESSES }, (_, index): ListenerMember => {
      const planFile = path.join(dir, `plan-${index}.json`);
      const count = Math.floor(total / LISTENER_PROCESSES) + (index < total % LISTENER_PROCESSES ? 1 : 0);
      writeFileSync(planFile, JSON.stringify({ ...plan, count } satisfies ListenerPlan));
      const child = spawn(process.execPath, ["--import", "tsx", thisFile, "listen", planFile], { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
      children.add(child);
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), stderr: () => stderr };
    });
    const fleet = new ListenerProcesses(members, dir);
    const replies = await Promise.all(members.map((member) => fleet.reply<ListenerReady>(member, "ready")));
    return {
      fleet,
      ready: {
        connected: replies.reduce((sum, reply) => sum + reply.connected, 0),
        joined: replies.reduce((sum, reply) => sum + reply.joined, 0),
        failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
        errorSamples: replies.flatMap((reply) => reply.errorSamples).slice(0, 3),
        ms: Math.max(...replies.map((reply) => reply.ms)),
      },
    };
  }

  get pids(): number[] {
    return this.members.map((member) => member.child.pid!);
  }

  private async reply<T>(member: ListenerMember, step: string): Promise<T> {
    const line = await member.lines.next();
    if (line.done) throw new Error(`a listener process exited before "${step}":\n${member.stderr()}`);
    const parsed = JSON.parse(line.value) as { ok: boolean; error?: string } & T;
    if (!parsed.ok) throw new Error(`a listener process failed "${step}": ${parsed.error}`);
    return parsed;
  }

  async collect(): Promise<ListenerReceipts> {
    const files = this.members.map((_, index) => path.join(this.dir, `receipts-${index}.json`));
    await Promise.all(
      this.members.map((member, index) => {
        member.child.stdin!.write(`${files[index]}\n`);
        return this.reply(member, "collect");
      }),
    );
    const parts = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as ListenerReceipts);
    const receivedAt: Record<string, number[]> = {};
    for (const part of parts) for (const [ref, times] of Object.entries(part.receivedAt)) (receivedAt[ref] ??= []).push(...times);
    return {
      receivedAt,
      joined: parts.reduce((sum, part) => sum + part.joined, 0),
      dropped: parts.reduce((sum, part) => sum + part.dropped, 0),
      dropReasons: [...new Set(parts.flatMap((part) => part.dropReasons))],
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            child.once("exit", () => {
              clearTimeout(timer);
              children.delete(child);
              resolve();
            });
            child.stdin!.end();
          }),
      ),
    );
  }
}

interface Post {
  ref: number;
  status: number | "network";
  sentAt: number;
  /** When the response's status line arrived. */
  answeredAt: number;
  doneAt: number;
  errorText?: string;
}

interface PostingRun {
  listeners: number;
  posts: Post[];
  /** Measured posts (after the warm-up) per second, from the first one's send to the last one's answer. */
  perSecond: number;
  latency: Distribution;
  failures: number;
  statuses: Record<string, number>;
  errorSamples: string[];
  cpu: { server: number; listeners: number; rest: number } | undefined;
  delivery?: Delivery;
  profile?: ProfileSummary;
}

interface Delivery {
  fromAnswer: Distribution;
  fromSent: Distribution;
  /** Per comment: its first and last listener, from the POST's answer. */
  firstListener: Distribution;
  lastListener: Distribution;
  delivered: number;
  expected: number;
  /** Deliveries that reached a listener before the POST's answer reached the poster. */
  beforeAnswer: number;
  dropped: number;
  dropReasons: string[];
}

/** POSTs comments from this process, `concurrency` in flight, each by a user without one in flight. */
async function postComments(
  server: ProfiledServer,
  questionId: string,
  posters: SignedInReader[],
  parentIds: string[],
  firstRef: number,
): Promise<Post[]> {
  const cookieName = sessionCookieSettings("production").name;
  const agent = new http.Agent({ keepAlive: true, maxSockets: POSTING.concurrency });
  const random = mulberry32(firstRef + 7);
  const url = new URL(`${server.origin}/questions/${questionId}.data`);
  assertLoopback(url.href);
  const total = POSTING.warmUp + POSTING.measured;
  const posts: Post[] = [];
  const idle = [...posters];
  let next = 0;
  const postOnce = (ref: number, poster: SignedInReader) =>
    new Promise<Post>((resolve) => {
      // Half of them reply to a comment of the long discussion, as readers answering each other.
      const parentId = random() < 0.5 ? pick(random, parentIds) : "";
      const body = new URLSearchParams({ intent: "comment", body: commentBody(random, 200 + random() * 600, refText(ref)), parentId }).toString();
      const sentAt = clock();
      let answeredAt = Number.NaN;
      const outgoing = http.request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": Buffer.byteLength(body),
            Origin: server.origin,
            Cookie: `${cookieName}=${poster.token}`,
          },
        },
        (response) => {
          answeredAt = clock();
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const status = response.statusCode ?? "network";
            resolve({ ref, status, sentAt, answeredAt, doneAt: clock(), errorText: status === 201 ? undefined : Buffer.concat(chunks).toString().slice(0, 300) });
          });
          response.on("error", (error) => resolve({ ref, status: "network", sentAt, answeredAt, doneAt: clock(), errorText: error.message }));
        },
      );
      outgoing.on("error", (error) => resolve({ ref, status: "network", sentAt, answeredAt, doneAt: clock(), errorText: error.message }));
      outgoing.end(body);
    });
  const worker = async () => {
    while (next < total) {
      const ref = firstRef + next++;
      const poster = idle.splice(Math.floor(random() * idle.length), 1)[0]!;
      posts.push(await postOnce(ref, poster));
      idle.push(poster);
    }
  };
  await Promise.all(Array.from({ length: POSTING.concurrency }, worker));
  agent.destroy();
  return posts.sort((a, b) => a.ref - b.ref);
}

function summarisePosting(listeners: number, posts: Post[], firstRef: number, cpu: PostingRun["cpu"]): PostingRun {
  const measured = posts.filter((post) => post.ref >= firstRef + POSTING.warmUp);
  const ok = measured.filter((post) => post.status === 201);
  const first = Math.min(...measured.map((post) => post.sentAt));
  const last = Math.max(...measured.map((post) => post.doneAt));
  const statuses: Record<string, number> = {};
  for (const post of posts) statuses[post.status] = (statuses[post.status] ?? 0) + 1;
  const failed = posts.filter((post) => post.status !== 201);
  return {
    listeners,
    posts,
    perSecond: ok.length / ((last - first) / 1000),
    latency: distribution(measured.map((post) => post.doneAt - post.sentAt)),
    failures: failed.length,
    statuses,
    errorSamples: [...new Set(failed.map((post) => `${post.status}: ${post.errorText ?? ""}`))].slice(0, 3),
    cpu,
  };
}

function deliveryOf(run: PostingRun, receipts: ListenerReceipts, firstRef: number): Delivery {
  const fromAnswer: number[] = [];
  const fromSent: number[] = [];
  const firstListener: number[] = [];
  const lastListener: number[] = [];
  let beforeAnswer = 0;
  let expected = 0;
  let delivered = 0;
  for (const post of run.posts) {
    if (post.ref < firstRef + POSTING.warmUp || post.status !== 201) continue;
    expected += receipts.joined;
    const times = receipts.receivedAt[String(post.ref)] ?? [];
    delivered += times.length;
    if (times.length === 0) continue;
    let earliest = Number.POSITIVE_INFINITY;
    let latest = Number.NEGATIVE_INFINITY;
    for (const time of times) {
      fromAnswer.push(time - post.answeredAt);
      fromSent.push(time - post.sentAt);
      if (time < post.answeredAt) beforeAnswer += 1;
      earliest = Math.min(earliest, time);
      latest = Math.max(latest, time);
    }
    firstListener.push(earliest - post.answeredAt);
    lastListener.push(latest - post.answeredAt);
  }
  return {
    fromAnswer: distribution(fromAnswer),
    fromSent: distribution(fromSent),
    firstListener: distribution(firstListener),
    lastListener: distribution(lastListener),
    delivered,
    expected,
    beforeAnswer,
    dropped: receipts.dropped,
    dropReasons: receipts.dropReasons,
  };
}

async function cpuOver<T>(serverPid: number, listenerPids: number[], action: () => Promise<T>): Promise<{ value: T; cpu: PostingRun["cpu"] }> {
  const pids = [serverPid, ...listenerPids];
  const before = pids.map((pid) => takeCpuSnapshot(pid));
  const value = await action();
  const after = pids.map((pid) => takeCpuSnapshot(pid));
  if (before.some((snapshot) => !snapshot) || after.some((snapshot) => !snapshot)) return { value, cpu: undefined };
  const shares: CpuShares[] = before.map((start, index) => cpuSharesBetween(start!, after[index]!));
  const machine = shares[0]!.watched + shares[0]!.other;
  const server = shares[0]!.watched;
  const listeners = shares.slice(1).reduce((sum, share) => sum + share.watched, 0);
  return { value, cpu: { server, listeners, rest: Math.max(0, machine - server - listeners) } };
}

interface PostingResult {
  alone: PostingRun;
  withListeners: PostingRun | undefined;
  ready: ListenerReady;
  /** Why nothing was measured with listeners, when the room never filled. */
  unfilled: string | undefined;
}

async function measurePosting(context: BenchContext, server: ProfiledServer, questionId: string, posters: SignedInReader[], parentIds: string[]): Promise<PostingResult> {
  const { log } = context;
  log(`discussion: ${POSTING.warmUp} + ${POSTING.measured} comment POSTs, ${POSTING.concurrency} in flight, nobody listening`);
  let firstRef = 1;
  const alone = await cpuOver(server.pid, [], () => postComments(server, questionId, posters, parentIds, firstRef));
  const aloneRun = summarisePosting(0, alone.value, firstRef, alone.cpu);

  log(`discussion: ${integer(LISTENERS)} socket.io listeners connecting and joining the question`);
  const { fleet, ready } = await ListenerProcesses.start(context.tmpDir, { origin: server.origin, questionId, concurrency: JOIN_CONCURRENCY, deadlineMs: STEP_DEADLINE_MS }, LISTENERS);
  try {
    if (ready.joined !== LISTENERS) {
      const why = `${integer(ready.connected)} connected, ${integer(ready.joined)} joined, ${integer(ready.failed)} failed (${ready.errorSamples.join("; ")})`;
      log(`discussion: the room never held ${integer(LISTENERS)} listeners: ${why}`);
      return { alone: aloneRun, withListeners: undefined, ready, unfilled: why };
    }
    log(`discussion: joined in ${(ready.ms / 1000).toFixed(1)} s; ${POSTING.warmUp} + ${POSTING.measured} comment POSTs, ${POSTING.concurrency} in flight, to ${integer(LISTENERS)} listeners`);
    // Whatever the joins set off (presence updates) drains before anything is timed.
    await delay(1_000);
    firstRef = 1 + POSTING.warmUp + POSTING.measured;
    const stopProfile = PROFILE ? await startProfile(server, context.tmpDir, "discussion") : undefined;
    const loaded = await cpuOver(server.pid, fleet.pids, () => postComments(server, questionId, posters, parentIds, firstRef));
    const profile = await stopProfile?.();
    await delay(STRAGGLERS_MS);
    const run = summarisePosting(LISTENERS, loaded.value, firstRef, loaded.cpu);
    run.delivery = deliveryOf(run, await fleet.collect(), firstRef);
    run.profile = profile;
    return { alone: aloneRun, withListeners: run, ready, unfilled: undefined };
  } finally {
    await fleet.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. The markdown renderer's browser chunk

interface ChunkFile {
  url: string;
  rawBytes: number;
  gzipBytes: number;
}

interface RendererChunk {
  /** The question route's lazy import() that brings the renderer. */
  lazyEntry: string;
  /** Files of its closure holding remark/rehype code. */
  rendererFiles: ChunkFile[];
  /** The whole closure less what the question page had already loaded: the first live comment's download. */
  firstUseFiles: ChunkFile[];
  /** Route modules whose static imports include the renderer: pages that download it up front. */
  eagerRoutes: string[];
}

// Property names that survive minification: mdast's footnote node type and mdast-util-to-hast's hProperties.
const RENDERER_MARKERS = ["footnoteDefinition", "hProperties"];

function staticImportsOf(source: string): string[] {
  return [...source.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["'](\/build\/[^"'\n]+\.js)["']/g)].map((match) => match[1]!);
}

function findRendererChunk(appRoot: string, eagerlyLoaded: ShippedJavaScript): RendererChunk {
  const publicDir = path.join(appRoot, "public");
  const read = (url: string) => readFileSync(path.join(publicDir, url), "utf8");
  const sizes = (url: string): ChunkFile => {
    const bytes = readFileSync(path.join(publicDir, url));
    return { url, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: GZIP_LEVEL }).length };
  };
  const closureOf = (entry: string) => {
    const seen = new Set([entry]);
    const queue = [entry];
    while (queue.length > 0) {
      for (const next of staticImportsOf(read(queue.shift()!))) {
        if (!seen.has(next) && existsSync(path.join(publicDir, next))) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return [...seen];
  };
  const isRenderer = (url: string) => {
    const source = read(url);
    return RENDERER_MARKERS.every((marker) => source.includes(marker));
  };
  const routesDir = path.join(publicDir, "build/routes");
  const routeFiles = readdirSync(routesDir).filter((name) => name.endsWith(".js"));
  const questionRoute = routeFiles.find((name) => /^questions\.\$id-[A-Z0-9]+\.js$/.test(name));
  if (!questionRoute) throw new Error(`no questions.$id route module in ${routesDir}`);
  const lazyImports = [...read(`/build/routes/${questionRoute}`).matchAll(/\bimport\(\s*["'](\/build\/[^"']+\.js)["']\s*\)/g)].map((match) => match[1]!);
  for (const lazyEntry of lazyImports) {
    const closure = closureOf(lazyEntry);
    const rendererUrls = closure.filter(isRenderer);
    if (rendererUrls.length === 0) continue;
    const eager = new Set(eagerlyLoaded.scripts.map((script) => script.url));
    const eagerRoutes = [...routeFiles.map((name) => `/build/routes/${name}`), ...readdirSync(path.join(publicDir, "build")).filter((name) => /^root-.*\.js$/.test(name)).map((name) => `/build/${name}`)]
      .filter((url) => closureOf(url).some((file) => rendererUrls.includes(file)))
      .map((url) => path.basename(url).replace(/-[A-Z0-9]+\.js$/, ""));
    return {
      lazyEntry,
      rendererFiles: rendererUrls.map(sizes),
      firstUseFiles: closure.filter((url) => !eager.has(url)).map(sizes),
      eagerRoutes,
    };
  }
  throw new Error(`none of the question route's lazy imports (${lazyImports.join(", ") || "none"}) holds remark/rehype code`);
}

// ---------------------------------------------------------------------------------------------
// The run and its report

interface DiscussionRun {
  renderer: RendererRun;
  empty: PageState;
  long: PageState;
  posting: PostingResult;
  chunk: RendererChunk;
  seededLengths: Distribution;
}

async function run(context: BenchContext): Promise<DiscussionRun> {
  const { log } = context;
  const databaseUrl = freshDatabaseUrl(context.tmpDir);
  log("discussion: starting the built server on a fresh database");
  // The per-user comment limit (5 a minute by default) would answer most of the posting with 429,
  // and load shedding would answer 503 where this bench measures service times (the viral bench
  // measures shedding).
  const server = await startServer(context, databaseUrl, { name: "discussion", env: { ...RATE_LIMITS_OFF, LOAD_SHED_DELAY_MS: "0" }, inspect: PROFILE });
  const db = createDb(databaseUrl);
  try {
    const found = await db.question.findFirstOrThrow({
      where: { kind: "scenarios", article: { slug: openVsClosedAi2026.slug } },
      select: { id: true, scenarios: { orderBy: { position: "asc" }, select: { id: true } } },
    });
    const question = { id: found.id, scenarioIds: found.scenarios.map((scenario) => scenario.id) };
    const pageUrl = `${server.origin}/questions/${question.id}`;
    const [reader, ...posters] = await createSignedInReaders(db, 1 + POSTING.users, "disc");
    const sessionCookie = `${sessionCookieSettings("production").name}=${reader!.token}`;

    const empty = await measurePage(context, server, pageUrl, sessionCookie, []);
    log(`discussion: seeding ${THREADS} threads × (1 + ${REPLIES_PER_THREAD}) comments through createComment`);
    const seeded = await seedDiscussion(db, question, posters);
    await waitForCachedPage(pageUrl, seeded.ids.at(-1)!);
    const long = await measurePage(context, server, pageUrl, sessionCookie, seeded.ids);
    const chunk = findRendererChunk(context.appRoot, long.javaScript);
    const posting = await measurePosting(context, server, question.id, posters, seeded.ids);

    // In this process, with the server idle: nothing else of the bench competes for the cores.
    await server.stop();
    log(`discussion: renderCommentMarkdown in-process, ${integer(RENDER.samples)} comments of ~500 characters`);
    const renderer = measureRenderer(seeded.bodies);
    return { renderer, empty, long, posting, chunk, seededLengths: distribution(seeded.bodies.map((body) => body.length)) };
  } finally {
    await server.stop();
    await db.$disconnect();
  }
}

// autocannon reports 0 ms percentiles when nothing completed (every request past its 10 s timeout).
const NOTHING_COMPLETED = "no request completed within autocannon's 10 s timeout";
const loadCell = (load: LoadResult) =>
  load.totalRequests === 0 ? NOTHING_COMPLETED : `${integer(load.requestsPerSecond)} req/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms`;
const failuresOf = (load: LoadResult) => load.errors + load.non2xx;

// Places (packages, mostly) grouped by what they do for the page, so that "how much is markdown?"
// reads off one row although the renderer spreads over some thirty small packages.
const COMPONENTS: [string, RegExp][] = [
  [
    "markdown (remark, rehype, micromark, unist and their helpers)",
    /^(micromark|mdast-|hast-|hast$|remark-|rehype-|unified|unist-|vfile|property-information|devlop|decode-named-character-reference|character-entities|character-reference-invalid|zwitch|html-void-elements|stringify-entities|ccount|comma-separated-tokens|space-separated-tokens|trim-lines|markdown-table|longest-streak|bail|trough|is-plain-obj|extend|web-namespaces|escape-string-regexp|hastscript|html-url-attributes|is-alphabetical|is-alphanumerical|is-decimal|is-hexadecimal)/,
  ],
  ["database (Prisma, its query compiler, libSQL)", /^(@prisma\/|WebAssembly|libsql|@libsql\/|prisma)/],
  ["React server rendering", /^(react-dom|react$|react-router|@remix-run\/react)/],
  ["Remix data and routing (turbo-stream, @remix-run/server-runtime, router)", /^(turbo-stream|@remix-run\/)/],
  ["socket.io and socket writes", /^(engine\.io|socket\.io|ws$|writev|writeBuffer|writeUtf8String)/],
  ["garbage collector", /^\(garbage collector\)$/],
  ["the app's own bundles (build/…)", /^build\//],
];

function componentRows(profile: ProfileSummary): [string, number][] {
  const totals = new Map<string, number>();
  for (const [place, value] of profile.byPlace) {
    const component = COMPONENTS.find(([, pattern]) => pattern.test(place))?.[0] ?? "other (Node internals, Express, …)";
    totals.set(component, (totals.get(component) ?? 0) + value);
  }
  return top(totals, COMPONENTS.length + 1);
}

function profileTables(caption: string, profile: ProfileSummary | undefined): DetailTable[] {
  if (!profile) return [];
  const share = (value: number) => `${((100 * value) / Math.max(1, profile.busyMs)).toFixed(1)} %`;
  const rows = (entries: [string, number][]) => entries.map(([name, value]) => [`\`${name}\``, integer(value), share(value)]);
  return [
    {
      caption: `${caption}: server CPU by component`,
      columns: ["component", "ms", "of busy time"],
      rows: componentRows(profile).map(([name, value]) => [name, integer(value), share(value)]),
    },
    {
      caption: `${caption}: server CPU by place (${integer(profile.busyMs)} ms busy of ${integer(profile.windowMs)} ms)`,
      columns: ["place", "ms", "of busy time"],
      rows: rows(top(profile.byPlace, 12)),
    },
    { caption: `${caption}: top functions by self time`, columns: ["function", "ms", "of busy time"], rows: rows(top(profile.byFunction, 15)) },
  ];
}

function buildReport({ renderer, empty, long, posting, chunk, seededLengths }: DiscussionRun): BenchReport {
  const signed = long.loads.signedIn;
  const emptySigned = empty.loads.signedIn;
  const pageFailures = [empty, long].flatMap((state) => Object.values(state.loads)).reduce((sum, load) => sum + failuresOf(load), 0);
  const pageTimeouts = [empty, long].flatMap((state) => Object.values(state.loads)).reduce((sum, load) => sum + load.timeouts, 0);
  const pageRequests = [empty, long].flatMap((state) => Object.values(state.loads)).reduce((sum, load) => sum + load.totalRequests, 0);
  const rendererGzip = chunk.rendererFiles.reduce((sum, file) => sum + file.gzipBytes, 0);
  const rendererRaw = chunk.rendererFiles.reduce((sum, file) => sum + file.rawBytes, 0);
  const firstUseGzip = chunk.firstUseFiles.reduce((sum, file) => sum + file.gzipBytes, 0);
  const withListeners = posting.withListeners;
  const delivery = withListeners?.delivery;
  const eagerElsewhere = chunk.eagerRoutes.filter((route) => route !== "questions.$id");

  const metrics: Metric[] = [
    {
      name: `Question page, ${SEEDED_COMMENTS} comments, signed in: p99 at ${PAGE_LOAD.connections} connections`,
      result:
        signed.totalRequests === 0
          ? NOTHING_COMPLETED
          : `${signed.latencyP99Ms} ms (p50 ${signed.latencyP50Ms} ms, ${integer(signed.requestsPerSecond)} req/s${signed.timeouts ? `, ${integer(signed.timeouts)} timed out` : ""})`,
      target: `≤ ${TARGET.signedInP99Ms} ms`,
      pass: signed.totalRequests > 0 && signed.timeouts === 0 && signed.latencyP99Ms <= TARGET.signedInP99Ms,
    },
    { name: "Question page, 0 comments, signed in", result: loadCell(emptySigned) },
    {
      name: `Signed-in page, one request at a time (service time, no queue): ${SEEDED_COMMENTS} comments / 0 comments, p50 (p99)`,
      result: `${long.oneAtATime.latencyP50Ms} ms (${long.oneAtATime.latencyP99Ms} ms) / ${empty.oneAtATime.latencyP50Ms} ms (${empty.oneAtATime.latencyP99Ms} ms)`,
    },
    {
      name: `Signed-in page, ${SEEDED_COMMENTS} comments vs 0: throughput`,
      result: `${(signed.requestsPerSecond / emptySigned.requestsPerSecond).toFixed(2)}×`,
    },
    { name: `Question page, ${SEEDED_COMMENTS} comments, anonymous, cache bypassed (rendered per request)`, result: loadCell(long.loads.bypass) },
    { name: "Question page, 0 comments, anonymous, cache bypassed", result: loadCell(empty.loads.bypass) },
    { name: `Question page, ${SEEDED_COMMENTS} comments, anonymous (shared page cache)`, result: loadCell(long.loads.anonymous) },
    { name: "Question page, 0 comments, anonymous (shared page cache)", result: loadCell(empty.loads.anonymous) },
    {
      name: "Question page loads: errors + non-2xx",
      result: `${integer(pageFailures)} of ${integer(pageRequests)} (${integer(pageTimeouts)} of them autocannon's 10 s timeouts)`,
      target: "0",
      pass: pageFailures === 0,
    },
    {
      name: `Cores used, signed-in page with ${SEEDED_COMMENTS} comments`,
      result: signed.cpu ? `server ${signed.cpu.watched.toFixed(2)}, autocannon ${signed.cpu.reapedChildren.toFixed(2)}, other ${signed.cpu.other.toFixed(2)}` : "not available (needs /proc)",
    },
    {
      name: "`renderCommentMarkdown`, one ~500-character comment: p99",
      result: `${micros(renderer.perComment.p99)} (p50 ${micros(renderer.perComment.p50)}, max ${micros(renderer.perComment.max)})`,
      target: `≤ ${micros(TARGET.renderP99Micros)}`,
      pass: renderer.perComment.p99 <= TARGET.renderP99Micros,
    },
    {
      name: `\`renderCommentMarkdown\`, the page's ${SEEDED_COMMENTS} comments one after another (what a page would add with stale stored HTML)`,
      result: `${ms(renderer.pageOfComments.p50)} (p99 ${ms(renderer.pageOfComments.p99)} over 20 rounds)`,
    },
    {
      name: `Comment POST, ${POSTING.concurrency} in flight, nobody listening`,
      result: `${integer(posting.alone.perSecond)} /s, p50 / p99 / max ${triple(posting.alone.latency)}${posting.alone.cpu ? `; server ${posting.alone.cpu.server.toFixed(2)} cores (${((1000 * posting.alone.cpu.server) / Math.max(1, posting.alone.perSecond)).toFixed(1)} ms per comment)` : ""}`,
    },
  ];
  if (withListeners && delivery) {
    metrics.push(
      {
        name: `Comment POST, ${POSTING.concurrency} in flight, ${integer(LISTENERS)} listeners on the question`,
        result: `${integer(withListeners.perSecond)} /s, p50 / p99 / max ${triple(withListeners.latency)}`,
      },
      {
        name: "Live delivery: POST answered → listener has `question:comment`, p99",
        result: `${ms(delivery.fromAnswer.p99)} (p50 ${ms(delivery.fromAnswer.p50)}, max ${ms(delivery.fromAnswer.max)})`,
        target: `≤ ${TARGET.deliveryP99Ms} ms`,
        pass: delivery.fromAnswer.p99 <= TARGET.deliveryP99Ms,
      },
      { name: "Live delivery: POST sent → listener has it, p50 / p99 / max", result: triple(delivery.fromSent) },
      {
        name: "Live delivery per comment: first / last listener after the POST's answer, p50 (p99)",
        result: `${ms(delivery.firstListener.p50)} (${ms(delivery.firstListener.p99)}) / ${ms(delivery.lastListener.p50)} (${ms(delivery.lastListener.p99)})`,
      },
      {
        name: "Live delivery: received / expected",
        result: `${integer(delivery.delivered)} / ${integer(delivery.expected)}${delivery.dropped ? `, ${integer(delivery.dropped)} listeners dropped (${delivery.dropReasons.join(", ")})` : ""}`,
        target: "all",
        pass: delivery.delivered === delivery.expected && delivery.dropped === 0,
      },
      {
        name: `Cores used while posting to ${integer(LISTENERS)} listeners`,
        result: withListeners.cpu
          ? `server ${withListeners.cpu.server.toFixed(2)} (${((1000 * withListeners.cpu.server) / Math.max(1, withListeners.perSecond)).toFixed(1)} ms per comment), listeners ${withListeners.cpu.listeners.toFixed(2)}, rest (this poster and other processes) ${withListeners.cpu.rest.toFixed(2)}`
          : "not available (needs /proc)",
      },
    );
  } else {
    metrics.push({ name: "Live delivery", result: `not measured: the room never filled (${posting.unfilled})`, target: `p99 ≤ ${TARGET.deliveryP99Ms} ms`, pass: false });
  }
  const postFailures = posting.alone.failures + (withListeners?.failures ?? 0);
  const postTotal = posting.alone.posts.length + (withListeners?.posts.length ?? 0);
  const byStatus: Record<string, number> = {};
  for (const statuses of [posting.alone.statuses, withListeners?.statuses ?? {}]) {
    for (const [status, count] of Object.entries(statuses)) byStatus[status] = (byStatus[status] ?? 0) + count;
  }
  metrics.push(
    {
      name: "Comment POSTs not answered 201",
      result: `${integer(postFailures)} of ${integer(postTotal)} (${Object.entries(byStatus).map(([status, count]) => `${status}: ${integer(count)}`).join(", ")})`,
      target: "0",
      pass: postFailures === 0,
    },
    {
      name: "Question page HTML, 0 comments",
      result: `${kilobytes(empty.htmlBytes)}, gzip ${kilobytes(empty.gzipServedBytes)} as served (${kilobytes(empty.gzip9Bytes)} at -${GZIP_LEVEL}); inline scripts ${kilobytes(empty.javaScript.inlineBytes)}`,
    },
    {
      name: `Question page HTML, ${SEEDED_COMMENTS} comments`,
      result: `${kilobytes(long.htmlBytes)}, gzip ${kilobytes(long.gzipServedBytes)} as served (${kilobytes(long.gzip9Bytes)} at -${GZIP_LEVEL}); inline scripts ${kilobytes(long.javaScript.inlineBytes)}`,
    },
    {
      name: "HTML added per comment",
      result: `${integer((long.htmlBytes - empty.htmlBytes) / SEEDED_COMMENTS)} bytes uncompressed, ${integer((long.gzipServedBytes - empty.gzipServedBytes) / SEEDED_COMMENTS)} gzipped, for ${integer(seededLengths.mean)} characters of markdown`,
    },
    {
      name: `Markdown renderer chunk (lazy), gzip -${GZIP_LEVEL}`,
      result: `${kilobytes(rendererGzip)} (${kilobytes(rendererRaw)} raw): ${chunk.rendererFiles.map((file) => `\`${file.url}\``).join(", ")}`,
    },
    {
      name: `First live comment's download (\`${path.basename(chunk.lazyEntry)}\` and its imports, less what the page loaded), gzip -${GZIP_LEVEL}`,
      result: `${kilobytes(firstUseGzip)} in ${chunk.firstUseFiles.length} files`,
    },
    {
      name: "Pages that download the renderer up front (route modules importing it statically)",
      result: eagerElsewhere.length ? eagerElsewhere.map((route) => `\`${route}\``).join(", ") : "none",
    },
    {
      name: `JavaScript shipped with the question page, gzip -${GZIP_LEVEL} (lazy chunks not counted)`,
      result: `${kilobytes(long.javaScript.gzipBytes)} in ${long.javaScript.scripts.length} files`,
      target: `≤ ${TARGET.questionPageJsGzipKB} KB (the article page's budget)`,
      pass: long.javaScript.gzipBytes <= TARGET.questionPageJsGzipKB * 1000,
    },
  );

  const otherDuringPages = Math.max(...[empty, long].flatMap((state) => Object.values(state.loads)).map((load) => load.cpu?.other ?? 0));
  const notes = [
    ...(otherDuringPages > BUSY_MACHINE_CORES || (renderer.otherCores ?? 0) > BUSY_MACHINE_CORES
      ? [
          `**The machine was busy**: other processes used up to ${otherDuringPages.toFixed(2)} cores during the page loads and ${(renderer.otherCores ?? 0).toFixed(2)} while the renderer was timed, so throughput is understated and p99s include preemption; rerun on a quiet machine.`,
        ]
      : []),
    `Server: \`node build/server.js\` built from a copy of the working tree, NODE_ENV=production, LOG_LEVEL=warn, COMMENT_RATE_LIMIT_PER_MINUTE and AUTH_RATE_LIMIT_PER_MINUTE 100000 (the per-user limit of 5 a minute would answer the posting with 429s), on a fresh SQLite database with the seed article and ${1 + POSTING.users} readers whose accounts and sessions were written straight into the database (test/signed-in-readers.ts).`,
    `Long discussion: on the seed's scenario question, ${THREADS} top-level comments with ${REPLIES_PER_THREAD} replies each (two answering the opener, two answering those: threads three deep), written through the app's own \`createComment\` by ${POSTING.users} authors, 40 % of the openers tagged for or against a scenario. Bodies are seeded markdown of ${integer(seededLengths.p50)} characters at the median (${integer(seededLengths.min)}–${integer(seededLengths.max)}, 200–800 aimed): emphasis, a link, often a list, an @mention. None of the authors has a forecast, so the page shows no forecast per comment. The page renders the first ${THREADS} threads, i.e. all ${SEEDED_COMMENTS}; every seeded comment id was checked to be in the signed-in page.`,
    `Page loads: autocannon as in the article-page bench (its own process, ${PAGE_LOAD.connections} connections, ${PAGE_LOAD.warmupSeconds} s warm-up then ${PAGE_LOAD.durationSeconds} s, no Accept-Encoding), on \`/questions/<id>\`. Anonymous: no cookie, so the shared page cache (\`s-maxage=5, stale-while-revalidate=60\`) answers nearly all of it. Cache bypassed: the same page with a cookie that is not a session (\`${CACHE_BYPASS_COOKIE}\`): the cache passes every request with a cookie to the renderer (server/page-cache.ts; its key is the URL, so a varying query string would do the same), and without a session the page renders as for any visitor — checked before each load (no X-Page-Cache, public Cache-Control). Signed in: every request carries one reader's session cookie, as the article-page bench's signed-in figure (the session lookup is cached in-process, decision 011), and the page is rendered per request.`,
    `Renderer: \`renderCommentMarkdown\` imported from app/domain/comment-markdown.ts and timed with \`process.hrtime\` in the bench runner (tsx), ${integer(RENDER.samples)} samples over ${RENDER.distinct} distinct seeded bodies of ${integer(renderer.meanLength)} characters on average (${RENDER.minLength}–${RENDER.maxLength}), after ${RENDER.warmUp} warm-up renders; GC pauses count. Of the distinct bodies' HTML: ${renderer.features.emphasis} with emphasis, ${renderer.features.link} with an http(s) link, ${renderer.features.list} with a list, ${renderer.features.mention} with a mention (of ${RENDER.distinct}); HTML is ${renderer.htmlToMarkdown.toFixed(2)}× the markdown's length. Comments store their HTML when written (\`createComment\` renders before its transaction, so the POSTs below include one render each), and the page reads it back; \`renderedHtmlOf\` renders on read only comments stored by another \`COMMENT_RENDER_VERSION\`, without writing the result back, so after a version bump every page render would pay the row for the page's ${SEEDED_COMMENTS} seeded bodies rendered in a row until the comments are rewritten.`,
    `Posting: this runner keeps ${POSTING.concurrency} comment POSTs in flight (keep-alive connections), each by one of ${POSTING.users} users picked among those without a POST in flight: the page's fetcher request, \`POST /questions/<id>.data\` with \`intent=comment\`, a 200–800-character markdown body, half of them replies to a comment of the long discussion, the session cookie and the server's Origin; 201 is success. ${POSTING.warmUp} warm-up POSTs, then ${POSTING.measured} measured; throughput is the measured 201s over the time from the first one's send to the last one's answer; latency is send → end of the answer. First with nobody listening, then with ${integer(LISTENERS)} listeners on the question.`,
    `Listeners: ${integer(LISTENERS)} socket.io clients (websocket transport, the server's Origin, anonymous) in ${LISTENER_PROCESSES} processes of their own (this file run as a script), each joined to the question with \`question:join\`. Each POSTed body carries a reference that the listeners read from the \`question:comment\` they receive; delivery time is the listener's receipt minus the moment the POST's status line reached the poster (or minus its send), on the host's clock (\`performance.timeOrigin + now()\`), over every (comment, listener) pair of the ${POSTING.measured} measured comments. The action publishes before it answers, so a receipt can precede the answer (negative times; ${delivery ? `${integer(delivery.beforeAnswer)} of ${integer(delivery.delivered)}` : "n/a"} here). Joining took ${(posting.ready.ms / 1000).toFixed(1)} s. Listeners, poster and server share the machine's cores (see the cores row).`,
    `Bytes: the anonymous page as rendered (cache-bypass cookie), uncompressed and as the server gzips it on request (compression middleware), and gzipped at -${GZIP_LEVEL} for comparison; inline scripts are the loader data and Remix's bootstrapping inside the HTML (the discussion travels twice: as markdown in the loader data and as rendered HTML). Renderer chunk: found from the question route module's lazy \`import()\`s in the build: the files of that import's static closure holding remark/rehype code (\`${RENDERER_MARKERS.join("`, `")}\`); each file gzipped on its own at -${GZIP_LEVEL}; 1 KB = 1000 bytes.`,
    ...(eagerElsewhere.length
      ? [
          `${eagerElsewhere.map((route) => `\`${route}\``).join(", ")} import${eagerElsewhere.length === 1 ? "s" : ""} the renderer's chunk statically, so ${eagerElsewhere.length === 1 ? "that page downloads" : "those pages download"} it up front (${kilobytes(rendererGzip)} gzipped). For \`u.$username\` the likely cause: the route imports \`commentPlainText\` for its loader only, and the Remix compiler drops the loader but not a module whose top level runs code (\`unified().use(…).freeze()\` in comment-markdown.ts cannot be tree-shaken away).`,
        ]
      : []),
    ...(PROFILE
      ? ["The server ran with `--inspect` (BENCH_CPU_PROFILE); CPU profiles cover only the windows named in the tables and cost a few per cent of throughput there."]
      : ["A target was missed or you want to know where the time goes: rerun with `BENCH_CPU_PROFILE=1` to add the server's CPU profiles of the signed-in long page and of posting to listeners."]),
  ];

  const modes = ["anonymous", "bypass", "signedIn"] as const;
  const details: DetailTable[] = [
    {
      caption: `Question page loads (${PAGE_LOAD.durationSeconds} s each at ${PAGE_LOAD.connections} connections, ${ONE_AT_A_TIME.durationSeconds} s at ${ONE_AT_A_TIME.connections})`,
      columns: ["comments", "reader", "connections", "req/s", "p50", "p99", "max", "errors + non-2xx", "server cores", "autocannon cores"],
      rows: [empty, long].flatMap((state) =>
        [...modes, "oneAtATime" as const].map((mode) => {
          const load = mode === "oneAtATime" ? state.oneAtATime : state.loads[mode];
          return [
            integer(state.comments),
            mode === "oneAtATime" ? "signed in, one at a time" : MODE_LABEL[mode],
            String(mode === "oneAtATime" ? ONE_AT_A_TIME.connections : PAGE_LOAD.connections),
            integer(load.requestsPerSecond),
            `${load.latencyP50Ms} ms`,
            `${load.latencyP99Ms} ms`,
            `${load.latencyMaxMs} ms`,
            integer(failuresOf(load)),
            load.cpu ? load.cpu.watched.toFixed(2) : "—",
            load.cpu ? load.cpu.reapedChildren.toFixed(2) : "—",
          ];
        }),
      ),
    },
    ...profileTables(`Signed-in question page with ${SEEDED_COMMENTS} comments (measured window)`, long.profile),
    ...profileTables(`Posting comments to ${integer(LISTENERS)} listeners (posting window)`, withListeners?.profile),
  ];
  if (metrics[0]!.pass === false) {
    const where = long.profile
      ? `; in the profile the server's busy time went to ${componentRows(long.profile)
          .slice(0, 4)
          .map(([name, value]) => `${name} ${((100 * value) / Math.max(1, long.profile!.busyMs)).toFixed(0)} %`)
          .join(", ")}`
      : "";
    notes.push(
      `Signed-in long page target missed; where the time goes: one request at a time it takes p50 ${long.oneAtATime.latencyP50Ms} ms (${empty.oneAtATime.latencyP50Ms} ms with no comments), and under load the server kept ${signed.cpu ? signed.cpu.watched.toFixed(2) : "?"} cores busy, so it is CPU-bound on its one JavaScript thread and ${PAGE_LOAD.connections} connections queue behind each other (${PAGE_LOAD.connections} / ${integer(signed.requestsPerSecond)} req/s ≈ ${integer((1000 * PAGE_LOAD.connections) / Math.max(1, signed.requestsPerSecond))} ms${signed.timeouts ? `; ${integer(signed.timeouts)} requests waited past autocannon's 10 s timeout and are left out of its percentiles` : ""})${where}. The page is ${kilobytes(long.htmlBytes)} of HTML, ${kilobytes(long.javaScript.inlineBytes)} of it inline loader data.`,
    );
  }
  const samples = [...posting.alone.errorSamples, ...(withListeners?.errorSamples ?? [])];
  if (samples.length) notes.push(`Failed POSTs, first answers: ${samples.map((sample) => `\`${sample.replaceAll("`", "'").replace(/\s+/g, " ")}\``).join("; ")}`);
  return { metrics, notes, details };
}

export const discussionBench: Bench = {
  id: "discussion",
  title: "Discussion (long-thread question page, renderer, posting, live delivery)",
  description:
    "The question page with 250 comments (50 threads of 5) against the same page with none, anonymous through the page cache, anonymous rendered per request and signed in; the comment markdown renderer alone, in-process; comment POSTs through the real action over HTTP by 50 signed-in users, and the time until 1 000 socket.io listeners on the question have each new comment; the bytes the discussion adds to the page and the renderer's lazily loaded browser chunk.",
  async run(context) {
    return buildReport(await run(context));
  },
};

// ---------------------------------------------------------------------------------------------
// Listener process: `node --import tsx bench/discussion.ts listen <plan.json>`. Prints one JSON line
// once its sockets have joined; then, for each line on stdin (a file name), writes the receipts
// noted so far to that file and prints one JSON line; exits when stdin closes.

async function inPool<T>(items: T[], concurrency: number, deadline: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function listen(plan: ListenerPlan): Promise<void> {
  const startedAt = performance.now();
  const deadline = startedAt + plan.deadlineMs;
  const receivedAt: Record<string, number[]> = {};
  const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
  const errorSamples: string[] = [];
  let failed = 0;
  let joined = 0;
  let dropped = 0;
  const dropReasons = new Set<string>();
  const noteError = (error: unknown) => {
    failed += 1;
    if (errorSamples.length < 3) errorSamples.push((error as Error).message);
  };
  await inPool(
    Array.from({ length: plan.count }, (_, index) => index),
    plan.concurrency,
    deadline,
    async () => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(plan.origin, {
        path: SOCKET_PATH,
        transports: ["websocket"],
        // A listener that drops out must show as missing, not come back unnoticed.
        reconnection: false,
        forceNew: true,
        timeout: 30_000,
        extraHeaders: { Origin: plan.origin },
      } as Parameters<typeof io>[1]);
      socket.on("question:comment", (event) => {
        const time = clock();
        const ref = REF_PATTERN.exec(event.comment.body ?? "")?.[1];
        if (ref) (receivedAt[ref] ??= []).push(time);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", (error) => {
            socket.close();
            reject(error);
          });
        });
        socket.on("disconnect", (reason) => {
          if (reason === "io client disconnect") return;
          dropped += 1;
          dropReasons.add(reason);
        });
        sockets.push(socket);
        const ack = await socket.timeout(30_000).emitWithAck("question:join", plan.questionId);
        if (isJoinError(ack)) throw new Error(`${ack.error.code}: ${ack.error.message}`);
        joined += 1;
      } catch (error) {
        noteError(error);
      }
    },
  );
  const reply = (message: object) => process.stdout.write(`${JSON.stringify({ ok: true, ...message })}\n`);
  reply({ connected: sockets.length, joined, failed, errorSamples, ms: performance.now() - startedAt } satisfies ListenerReady);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (file) => {
    writeFileSync(file.trim(), JSON.stringify({ receivedAt, joined, dropped, dropReasons: [...dropReasons] } satisfies ListenerReceipts));
    reply({});
  });
  lines.on("close", () => {
    sockets.forEach((socket) => socket.disconnect());
    process.exit(0);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === thisFile && process.argv[2] === "listen") {
  const planFile = process.argv[3];
  if (!planFile) {
    console.error("usage: node --import tsx bench/discussion.ts listen <plan.json>");
    process.exit(2);
  }
  await listen(JSON.parse(readFileSync(planFile, "utf8")) as ListenerPlan);
}
