// The first page readers land on: how many of them one instance serves, how much JavaScript it
// sends them, and how long a (re)start keeps them waiting.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  projectRoot,
  startBareExpress,
  startBuiltServer,
  startWithNpmStart,
} from "./harness";
import { type LoadOptions, type LoadResult, measureLoad } from "./load-test";
import { GZIP_LEVEL, type ShippedJavaScript, measureShippedJavaScript } from "./page-javascript";

export const ARTICLE_PATH = "/articles/open-vs-closed-ai-2026";

const LOAD: LoadOptions = { connections: 50, warmupSeconds: 3, durationSeconds: 10 };
// Start-up times vary by a few tens of ms from run to run; a median of three steadies them.
const START_UP_RUNS = 3;

const TARGET = {
  requestsPerSecond: 1000,
  p99Ms: 100,
  bareRatio: 0.3,
  javaScriptGzipKB: 200,
};

interface StartUpTimes {
  npmStart: number[];
  nodeFreshDb: number[];
  nodeExistingDb: number[];
}

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

interface PageUnderLoad {
  load: LoadResult;
  /** The same page for a signed-in reader, which the anonymous page cache never answers: the render cost. */
  rendered: LoadResult;
  javaScript: ShippedJavaScript;
  /** What the page tells shared caches: decides whether the load measured rendering or a cache. */
  cacheControl: string | null;
}

/** Signs a reader up through the real form and returns their session cookie. */
async function signUpReader(origin: string): Promise<string> {
  const response = await fetch(`${origin}/signup`, {
    method: "POST",
    headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "bench_reader", email: "bench@example.com", password: "bench reader password" }),
    redirect: "manual",
  });
  const cookie = response.headers.getSetCookie().find((value) => /^(__Host-)?session=/.test(value));
  if (response.status !== 302 || !cookie) throw new Error(`sign-up for the signed-in measurement answered ${response.status}`);
  return cookie.split(";")[0]!;
}

async function loadBuiltServer(context: BenchContext): Promise<PageUnderLoad> {
  const { log } = context;
  const server = await startBuiltServer(context);
  try {
    const pageUrl = `${server.origin}${ARTICLE_PATH}`;
    // Also the check that the page renders at all: it throws unless the page answers 200.
    const javaScript = await measureShippedJavaScript(pageUrl);
    log(`article page: ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s at ${LOAD.connections} connections`);
    const load = await measureLoad(pageUrl, server.pid, LOAD);
    log(`article page, signed in (session checked and page rendered per request): ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s`);
    const rendered = await measureLoad(pageUrl, server.pid, { ...LOAD, headers: { cookie: await signUpReader(server.origin) } });
    const response = await fetch(pageUrl, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return { load, rendered, javaScript, cacheControl: response.headers.get("cache-control") };
  } finally {
    await server.stop();
  }
}

async function loadBareExpress(log: BenchContext["log"]): Promise<LoadResult> {
  const server = await startBareExpress();
  try {
    log(`bare Express: ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s at ${LOAD.connections} connections`);
    return await measureLoad(`${server.origin}/`, server.pid, LOAD);
  } finally {
    await server.stop();
  }
}

async function measureStartUp(context: BenchContext): Promise<StartUpTimes> {
  const { log } = context;
  const times: StartUpTimes = { npmStart: [], nodeFreshDb: [], nodeExistingDb: [] };
  // Interleaved rather than grouped, so a slow spell on the machine spreads over all three figures.
  for (let run = 1; run <= START_UP_RUNS; run++) {
    log(`start-up: run ${run} of ${START_UP_RUNS}`);
    const viaNpm = await startWithNpmStart(context);
    times.npmStart.push(viaNpm.readyMs);
    await viaNpm.stop();
    const fresh = await startBuiltServer(context);
    times.nodeFreshDb.push(fresh.readyMs);
    await fresh.stop();
    const existing = await startBuiltServer(context, fresh.databaseUrl);
    times.nodeExistingDb.push(existing.readyMs);
    await existing.stop();
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const milliseconds = (values: number[]) => `${integer(median(values))} ms`;
const cpuSummary = (load: LoadResult) =>
  load.cpu
    ? `server ${load.cpu.watched.toFixed(2)}, autocannon ${load.cpu.reapedChildren.toFixed(2)}, other processes ${load.cpu.other.toFixed(2)}`
    : "not available (needs /proc)";
// Above this, something else on the machine took a noticeable share of the 2+ cores.
const BUSY_MACHINE_CORES = 0.25;

function buildReport({ load: page, rendered, javaScript, cacheControl }: PageUnderLoad, bare: LoadResult, startUp: StartUpTimes): BenchReport {
  const ratio = page.requestsPerSecond / bare.requestsPerSecond;
  const failures = page.errors + page.non2xx;
  const metrics: Metric[] = [
    {
      name: "Article page throughput",
      result: `${integer(page.requestsPerSecond)} req/s`,
      target: `≥ ${integer(TARGET.requestsPerSecond)} req/s`,
      pass: page.requestsPerSecond >= TARGET.requestsPerSecond,
    },
    { name: "Article page latency p50", result: `${page.latencyP50Ms} ms` },
    {
      name: "Article page latency p99",
      result: `${page.latencyP99Ms} ms`,
      target: `≤ ${TARGET.p99Ms} ms`,
      pass: page.latencyP99Ms <= TARGET.p99Ms,
    },
    {
      name: "Errors / timeouts / non-2xx",
      result: `${page.errors} / ${page.timeouts} / ${page.non2xx} of ${integer(page.totalRequests)}`,
      target: "0",
      pass: failures === 0,
    },
    { name: "Cores used while measuring the page", result: cpuSummary(page) },
    {
      name: "Article page for a signed-in reader (session lookup + render per request)",
      result: `${integer(rendered.requestsPerSecond)} req/s, p50 ${rendered.latencyP50Ms} ms, p99 ${rendered.latencyP99Ms} ms, ${rendered.errors + rendered.non2xx} failed`,
    },
    { name: "Bare Express 4 “hello” throughput", result: `${integer(bare.requestsPerSecond)} req/s (p99 ${bare.latencyP99Ms} ms)` },
    { name: "Cores used while measuring bare Express", result: cpuSummary(bare) },
    {
      name: "Ours / bare",
      result: ratio.toFixed(3),
      target: `≥ ${TARGET.bareRatio}`,
      pass: ratio >= TARGET.bareRatio,
    },
    {
      name: `JavaScript shipped, gzip -${GZIP_LEVEL}`,
      result: `${kilobytes(javaScript.gzipBytes)} in ${javaScript.scripts.length} files`,
      target: `≤ ${TARGET.javaScriptGzipKB} KB`,
      pass: javaScript.gzipBytes <= TARGET.javaScriptGzipKB * 1000,
    },
    { name: "JavaScript shipped, raw", result: kilobytes(javaScript.rawBytes) },
    { name: "Article HTML (uncompressed)", result: `${kilobytes(javaScript.htmlBytes)}, of which inline scripts ${kilobytes(javaScript.inlineBytes)}` },
    { name: "`npm start` → first 200 (build included)", result: milliseconds(startUp.npmStart) },
    { name: "`node build/server.js` → first 200, fresh DB", result: milliseconds(startUp.nodeFreshDb) },
    { name: "`node build/server.js` → first 200, existing DB", result: milliseconds(startUp.nodeExistingDb) },
  ];

  const busiest = Math.max(page.cpu?.other ?? 0, bare.cpu?.other ?? 0);
  const notes = [
    ...(busiest > BUSY_MACHINE_CORES
      ? [`**The machine was busy**: other processes used up to ${busiest.toFixed(2)} cores during a measurement, so throughput and latency are understated; rerun on a quiet machine.`]
      : []),
    `Server: \`node build/server.js\`, built from a copy of the working tree, with NODE_ENV=production, LOG_LEVEL=warn, HOST=127.0.0.1, on a fresh SQLite database holding only the seed article.`,
    `Load: autocannon ${packageVersion("autocannon")} in its own process, ${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up (discarded) then ${LOAD.durationSeconds} s measured; throughput is the mean of per-second samples. autocannon shares this machine's cores with the server (see the "Cores used" rows). autocannon sends no Accept-Encoding, so responses go out uncompressed (browsers would ask for gzip and the server would also spend time compressing).`,
    `The page answers \`Cache-Control: ${cacheControl ?? "(none)"}\`; autocannon sends no cookies, so where that allows shared caching, a cache in or in front of the server may answer most of the load rather than the renderer.`,
    `Bare baseline: \`bench/bare-express-server.ts\` (Express ${packageVersion("express")}, GET / → "hello") in its own process under the same load.`,
    `JavaScript: every \`<script src>\`, \`<link rel="modulepreload">\` and static import of the inline module script, plus static imports of those files (${javaScript.scripts.filter((script) => script.discoveredByImport).length} found only that way); each file gzipped on its own with zlib level ${GZIP_LEVEL}; 1 KB = 1000 bytes. Lazily loaded code is not counted.`,
    `Start-up: from spawn to the first 200 from /healthz, polled every 50 ms (so up to 50 ms late); median of ${START_UP_RUNS} runs. \`npm start\` runs in the same copy and includes its build.`,
  ];
  const details: DetailTable[] = [
    {
      caption: "JavaScript files",
      columns: ["file", "raw", `gzip -${GZIP_LEVEL}`, "announced in HTML"],
      rows: javaScript.scripts.map((script) => [
        `\`${script.url}\``,
        kilobytes(script.rawBytes),
        kilobytes(script.gzipBytes),
        script.discoveredByImport ? "no (imported)" : "yes",
      ]),
    },
    {
      caption: "Start-up runs (ms to first 200)",
      columns: ["command", ...startUp.npmStart.map((_, index) => `run ${index + 1}`)],
      rows: [
        ["`npm start`", ...startUp.npmStart.map(integer)],
        ["`node build/server.js`, fresh DB", ...startUp.nodeFreshDb.map(integer)],
        ["`node build/server.js`, existing DB", ...startUp.nodeExistingDb.map(integer)],
      ],
    },
  ];
  return { metrics, notes, details };
}

export const articlePageBench: Bench = {
  id: "article-page",
  title: `Article page (\`${ARTICLE_PATH}\`)`,
  description:
    "Server-rendered throughput and latency of the article page against a bare Express route on the same machine, the JavaScript the page ships, and the time from start to the first answered request.",
  async run(context) {
    context.log("article page: starting the built server on a fresh database");
    const page = await loadBuiltServer(context);
    const bare = await loadBareExpress(context.log);
    const startUp = await measureStartUp(context);
    return buildReport(page, bare, startUp);
  },
};
