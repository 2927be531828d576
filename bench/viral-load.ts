// HTTP load generator for the viral bench (bench/viral.ts), run in a process of its own
// (`node --import tsx bench/viral-load.ts <plan.json> <result.json>`): a generator sharing the
// server's event loop, or the runner's that samples CPU, would measure itself as much as the server.
//
// Open loop: every request is sent at its seeded arrival time whether or not earlier ones have been
// answered, as independent readers arrive. A closed loop (autocannon's) waits for an answer before
// sending the next request, so a slow server is offered less work and its queue never shows.
//
// Protocol: prints `ready` once loaded, reads one line on stdin holding the common start time (host
// clock, ms) so that every generator's warm-up and measured window line up with the runner's CPU
// samples, and writes its outcome to <result.json> once every request it sent has settled.
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../test/seeded-random";

export const CLASSES = ["anonArticle", "anonQuestion", "signedInQuestion", "signedInArticle", "save", "comment"] as const;
export type ClassId = (typeof CLASSES)[number];

export interface ViralLoadPlan {
  origin: string;
  seed: number;
  /** Requests per second this process offers, per class. */
  rates: Record<ClassId, number>;
  warmupSeconds: number;
  durationSeconds: number;
  timeoutMs: number;
  /** Any request that takes longer is counted as slow, whatever its outcome. */
  slowMs: number;
  articlePath: string;
  questionId: string;
  scenarioIds: string[];
  cookieName: string;
  /** Session tokens of the readers who view pages signed in and post comments. */
  pageReaders: string[];
  /** Session tokens of the readers who save forecasts. */
  savers: string[];
  /** Comments a posted comment may answer. */
  parentIds: string[];
}

export interface ClassOutcome {
  /** Requests due in the measured window (all of them were sent). */
  offered: number;
  answered: number;
  /** 503 with Retry-After: the server's load shedding (or the writer's own refusal). */
  refused: number;
  refusedWithoutRetryAfter: number;
  /** No complete answer within `timeoutMs`. */
  timedOut: number;
  /** Of those, requests whose status line had arrived: a response that started and never finished. */
  timedOutAfterHeaders: number;
  /** Other statuses and network errors. */
  failed: number;
  slow: number;
  statuses: Record<string, number>;
  /** Send to last byte, answered requests only. */
  answeredMs: number[];
  refusedMs: number[];
  /** X-Page-Cache of answered page views ("none" when the renderer answered). */
  cache: Record<string, number>;
  answeredBytes: number;
  errorSamples: string[];
}

export interface ViralLoadOutcome {
  classes: Record<ClassId, ClassOutcome>;
  /** How late requests left against their arrival time: the generator's own health. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** TCP connections opened during the whole run (warm-up included), and those whose connect took over 1 s (a dropped SYN retried). */
  connectionsOpened: number;
  slowConnects: number;
}

interface Arrival {
  at: number;
  classId: ClassId;
  measured: boolean;
}

const MAX_ERROR_SAMPLES = 4;
// A browser's, so that nothing on the server treats the load as a bot.
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 crowdline-viral-bench";
const clock = () => performance.timeOrigin + performance.now();

/** Poisson arrivals: exponential gaps, one seeded stream per class so that a rate change elsewhere leaves this class's times alone. */
function arrivalsOf(plan: ViralLoadPlan, startAt: number): Arrival[] {
  const totalMs = (plan.warmupSeconds + plan.durationSeconds) * 1000;
  const arrivals: Arrival[] = [];
  CLASSES.forEach((classId, index) => {
    const rate = plan.rates[classId];
    if (rate <= 0) return;
    const random = mulberry32(plan.seed * 31 + index + 1);
    for (let offset = (-Math.log(1 - random()) / rate) * 1000; offset < totalMs; offset += (-Math.log(1 - random()) / rate) * 1000) {
      arrivals.push({ at: startAt + offset, classId, measured: offset >= plan.warmupSeconds * 1000 });
    }
  });
  return arrivals.sort((a, b) => a.at - b.at);
}

function emptyOutcome(): ClassOutcome {
  return {
    offered: 0,
    answered: 0,
    refused: 0,
    refusedWithoutRetryAfter: 0,
    timedOut: 0,
    timedOutAfterHeaders: 0,
    failed: 0,
    slow: 0,
    statuses: {},
    answeredMs: [],
    refusedMs: [],
    cache: {},
    answeredBytes: 0,
    errorSamples: [],
  };
}

/** Whole percentages adding up to exactly 100, as the sliders send them. */
function sliderPercentages(random: () => number, count: number): number[] {
  const cuts = Array.from({ length: count - 1 }, () => Math.floor(random() * 101)).sort((a, b) => a - b);
  return [...cuts, 100].map((cut, index) => cut - (index === 0 ? 0 : cuts[index - 1]!));
}

const SENTENCES = [
  "Open-weight downloads tripled last year, mostly in models above 70B parameters.",
  "Closed providers cut prices within a quarter of every major open release.",
  "What matters is who owns deployment once the weights cost nothing.",
  "Enterprise buyers care about support contracts more than two points on MMLU.",
  "I moved my forecast after the Q4 deployment review: 9 of 14 firms served in-house.",
  "Inference hardware is concentrated in even fewer hands than the models.",
  "A hybrid market seems most likely: open at the long tail, closed at the frontier.",
];

/** A reader's comment: a few sentences of markdown with emphasis and a link, 200 to 600 characters. */
function commentBody(random: () => number): string {
  const parts = [`**${SENTENCES[Math.floor(random() * SENTENCES.length)]}**`];
  const target = 200 + random() * 400;
  while (parts.join(" ").length < target - 80) parts.push(SENTENCES[Math.floor(random() * SENTENCES.length)]!);
  parts.push("See [the article's data section](/articles/open-vs-closed-ai-2026).");
  return parts.join(" ");
}

async function run(plan: ViralLoadPlan, startAt: number): Promise<ViralLoadOutcome> {
  const origin = new URL(plan.origin);
  // Unlimited sockets: a request that finds no idle connection opens one, as a new reader's browser
  // would, so a server that answers slowly meets a growing number of connections (and its accept queue).
  // An idle connection is closed after 4 s, before the server's 5 s keep-alive timeout: reusing one
  // the server is closing at that moment fails with ECONNRESET, a race of this client (browsers
  // retry those), not a failure of the server.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, timeout: 4_000 });
  const random = mulberry32(plan.seed);
  const outcomes = Object.fromEntries(CLASSES.map((classId) => [classId, emptyOutcome()])) as Record<ClassId, ClassOutcome>;
  const lags: number[] = [];
  const knownSockets = new WeakSet<Socket>();
  let connectionsOpened = 0;
  let slowConnects = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const questionPath = `/questions/${plan.questionId}`;
  const cookie = (token: string) => `${plan.cookieName}=${token}`;

  const requestOf = (classId: ClassId): { method: "GET" | "POST"; path: string; headers: Record<string, string>; body?: string } => {
    const page = { accept: "text/html,application/xhtml+xml", "accept-encoding": "gzip, deflate, br", "user-agent": USER_AGENT };
    const form = (fields: URLSearchParams, token: string) => {
      const body = fields.toString();
      return {
        method: "POST" as const,
        path: `${questionPath}.data`,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": String(Buffer.byteLength(body)),
          origin: plan.origin,
          cookie: cookie(token),
          "user-agent": USER_AGENT,
        },
        body,
      };
    };
    switch (classId) {
      case "anonArticle":
        return { method: "GET", path: plan.articlePath, headers: page };
      case "anonQuestion":
        return { method: "GET", path: questionPath, headers: page };
      case "signedInQuestion":
        return { method: "GET", path: questionPath, headers: { ...page, cookie: cookie(pick(plan.pageReaders)) } };
      case "signedInArticle":
        return { method: "GET", path: plan.articlePath, headers: { ...page, cookie: cookie(pick(plan.pageReaders)) } };
      case "save": {
        const fields = new URLSearchParams({ intent: "save" });
        const percentages = sliderPercentages(random, plan.scenarioIds.length);
        plan.scenarioIds.forEach((scenarioId, index) => fields.set(`p_${scenarioId}`, String(percentages[index])));
        return form(fields, pick(plan.savers));
      }
      case "comment": {
        // Half of them answer a comment already there, as readers answering each other.
        const parentId = random() < 0.5 ? pick(plan.parentIds) : "";
        return form(new URLSearchParams({ intent: "comment", body: commentBody(random), parentId }), pick(plan.pageReaders));
      }
    }
  };

  const send = (arrival: Arrival) =>
    new Promise<void>((resolve) => {
      const { classId, measured } = arrival;
      const { method, path, headers, body } = requestOf(classId);
      const outcome = outcomes[classId];
      const sentAt = clock();
      lags.push(sentAt - arrival.at);
      if (measured) outcome.offered += 1;
      let settled = false;
      let headersAt: number | undefined;
      /** Records the request's one outcome (whichever of answer, error or time-out comes first). */
      const settle = (record: (tookMs: number) => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const tookMs = clock() - sentAt;
        if (measured) {
          record(tookMs);
          if (tookMs > plan.slowMs) outcome.slow += 1;
        }
        resolve();
      };
      const sample = (text: string) => {
        if (measured && outcome.errorSamples.length < MAX_ERROR_SAMPLES) outcome.errorSamples.push(text.replace(/\s+/g, " ").slice(0, 240));
      };
      const fail = (error: Error, timedOut = false) =>
        settle(() => {
          if (timedOut) {
            outcome.timedOut += 1;
            if (headersAt !== undefined) outcome.timedOutAfterHeaders += 1;
            outcome.statuses.timeout = (outcome.statuses.timeout ?? 0) + 1;
          } else {
            outcome.failed += 1;
            outcome.statuses.network = (outcome.statuses.network ?? 0) + 1;
            // A reset on a reused keep-alive connection is the race a browser retries; on a new one it is the server's (or the kernel's).
            sample(`network: ${error.message}${request.reusedSocket ? " (reused connection)" : " (new connection)"}`);
          }
        });
      const timer = setTimeout(() => {
        fail(new Error(`no answer within ${plan.timeoutMs} ms`), true);
        request.destroy();
      }, plan.timeoutMs);
      const request = http.request({ agent, hostname: origin.hostname, port: origin.port, method, path, headers }, (response) => {
        headersAt = clock();
        const status = response.statusCode ?? 0;
        let bytes = 0;
        const errorChunks: Buffer[] = [];
        const answered = method === "GET" ? status >= 200 && status < 400 : status >= 200 && status < 300;
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (!answered && bytes <= 2048) errorChunks.push(chunk);
        });
        response.on("end", () =>
          settle((tookMs) => {
            outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1;
            if (answered) {
              outcome.answered += 1;
              outcome.answeredMs.push(tookMs);
              outcome.answeredBytes += bytes;
              if (method === "GET") {
                const state = String(response.headers["x-page-cache"] ?? "none");
                outcome.cache[state] = (outcome.cache[state] ?? 0) + 1;
              }
            } else if (status === 503) {
              if (response.headers["retry-after"]) outcome.refused += 1;
              else outcome.refusedWithoutRetryAfter += 1;
              outcome.refusedMs.push(tookMs);
            } else {
              outcome.failed += 1;
              sample(`${status}: ${Buffer.concat(errorChunks).toString("utf8")}`);
            }
          }),
        );
        response.on("error", (error) => fail(error));
        // A connection cut mid-body may end the response with neither "end" nor "error".
        response.on("close", () => {
          if (!response.complete) fail(new Error("connection closed before the response was complete"));
        });
      });
      request.on("socket", (socket: Socket) => {
        if (knownSockets.has(socket)) return;
        knownSockets.add(socket);
        connectionsOpened += 1;
        const openedAt = clock();
        socket.once("connect", () => {
          if (clock() - openedAt > 1_000) slowConnects += 1;
        });
      });
      request.on("error", (error) => fail(error));
      request.end(body);
    });

  const arrivals = arrivalsOf(plan, startAt);
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  await new Promise<void>((resolve) => {
    const dispatch = () => {
      const now = clock();
      for (; next < arrivals.length && arrivals[next]!.at <= now; next++) {
        const pending = send(arrivals[next]!).finally(() => inFlight.delete(pending));
        inFlight.add(pending);
      }
      if (next >= arrivals.length) return resolve();
      setTimeout(dispatch, Math.max(0, arrivals[next]!.at - clock()));
    };
    setTimeout(dispatch, Math.max(0, startAt - clock()));
  });
  // Not before the window has ended, however few requests a class had: the runner samples this
  // process's CPU at the end of the window, and an exited process has none to read.
  const windowEnd = startAt + (plan.warmupSeconds + plan.durationSeconds) * 1000;
  await Promise.all([...inFlight, new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEnd - clock()) + 100))]);
  agent.destroy();
  lags.sort((a, b) => a - b);
  return {
    classes: outcomes,
    lagP99Ms: lags[Math.max(0, Math.ceil(0.99 * lags.length) - 1)] ?? 0,
    lagMaxMs: lags.at(-1) ?? 0,
    connectionsOpened,
    slowConnects,
  };
}

async function main(): Promise<void> {
  const [planFile, resultFile] = process.argv.slice(2);
  if (!planFile || !resultFile) {
    console.error("usage: node --import tsx bench/viral-load.ts <plan.json> <result.json>");
    process.exit(2);
  }
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as ViralLoadPlan;
  process.stdout.write("ready\n");
  const first = await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next();
  const startAt = Number(first.value);
  if (first.done || !Number.isFinite(startAt)) {
    console.error("viral-load: expected the start time on stdin");
    process.exit(2);
  }
  writeFileSync(resultFile, JSON.stringify(await run(plan, startAt)));
  process.exit(0);
}

// The bench imports this file for its types and class list; only run as a script does it send load.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
