// Load generator for the forecast-writes bench, run in its own process (`node --import tsx
// bench/forecast-load.ts <plan.json> <result.json>`): it must not share a core's event loop with
// the server it measures, nor with the runner that samples CPU.
//
// A fixed number of requests stay in flight: each worker posts a forecast, waits for the answer and
// posts the next, as readers whose browsers wait for the save before the next one would. A reader
// never has two saves in flight at once (a browser's fetcher would not), so the last forecast
// acknowledged to each reader is the one the database must hold as current.
import { writeFileSync, readFileSync } from "node:fs";
import http from "node:http";

export interface LoadPlan {
  origin: string;
  /** Path of the action, e.g. `/questions/<id>.data` (single fetch, as the page's fetcher posts). */
  actionPath: string;
  scenarioIds: string[];
  /** `__Host-session` in production, `session` otherwise. */
  cookieName: string;
  readers: { userId: string; token: string }[];
  concurrency: number;
  /**
   * Open loop: send this many saves a second whatever the answers (as independent readers do),
   * at most `concurrency` in flight. Without it, closed loop: `concurrency` workers each post,
   * wait and post again, which finds the most the server can take.
   */
  ratePerSecond?: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LoadOutcome {
  /** Seconds between the first and the last moment a response counted as measured. */
  measuredSeconds: number;
  /** 200s that completed inside the measured window. */
  measuredOk: number;
  /** The same, second by second: a steady rate and one with stalls can share a mean. */
  okPerSecond: number[];
  /** Latency of every response completed inside the measured window, 200 or not. */
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** Every request of the run, warm-up included, by HTTP status ("network" when none came back). */
  statuses: Record<string, number>;
  /** The first few failure descriptions, to explain a non-zero error count. */
  errorSamples: string[];
  /** Open loop only: saves that were due while `concurrency` were already in flight, never sent. */
  unsent: number;
  /** Per reader, the percentages of the last forecast answered with 200. */
  acknowledged: Record<string, number[]>;
  /** Cores this process kept busy during the measured window. */
  generatorCores: number;
}

/** Lines on stdout, so the runner can sample the server's CPU over exactly the measured window. */
export type LoadEvent = { event: "measuring" } | { event: "measured" };

const MAX_ERROR_SAMPLES = 5;

function randomPercentages(count: number): number[] {
  // Whole percentages that add up to exactly 100, as the sliders produce.
  const cuts = Array.from({ length: count - 1 }, () => Math.floor(Math.random() * 101)).sort((a, b) => a - b);
  return [...cuts, 100].map((cut, index) => cut - (index === 0 ? 0 : cuts[index - 1]!));
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

const round = (value: number) => Math.round(value * 10) / 10;

async function run(plan: LoadPlan): Promise<LoadOutcome> {
  const { hostname, port } = new URL(plan.origin);
  // One keep-alive connection per worker, like the browsers of 64 readers at once.
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const emit = (event: LoadEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);

  const startedAt = performance.now();
  const measureFrom = startedAt + plan.warmupSeconds * 1000;
  const measureUntil = measureFrom + plan.durationSeconds * 1000;
  let cpuAtStart = process.cpuUsage();
  let cpuUsed: NodeJS.CpuUsage | undefined;
  const marks = [
    setTimeout(() => {
      cpuAtStart = process.cpuUsage();
      emit({ event: "measuring" });
    }, plan.warmupSeconds * 1000),
    setTimeout(() => {
      cpuUsed = process.cpuUsage(cpuAtStart);
      emit({ event: "measured" });
    }, (plan.warmupSeconds + plan.durationSeconds) * 1000),
  ];

  const latencies: number[] = [];
  let measuredOk = 0;
  const okPerSecond = Array.from({ length: plan.durationSeconds }, () => 0);
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const acknowledged: Record<string, number[]> = {};
  const busy = new Set<number>();

  const pickReader = (): number => {
    let index = Math.floor(Math.random() * plan.readers.length);
    while (busy.has(index)) index = (index + 1) % plan.readers.length;
    busy.add(index);
    return index;
  };

  const post = (index: number, percentages: number[]) =>
    new Promise<{ status: number | "network"; body: string }>((resolve) => {
      const reader = plan.readers[index]!;
      const fields = new URLSearchParams({ intent: "save" });
      plan.scenarioIds.forEach((scenarioId, position) => fields.set(`p_${scenarioId}`, String(percentages[position])));
      const body = fields.toString();
      const request = http.request(
        {
          agent,
          hostname,
          port,
          method: "POST",
          path: plan.actionPath,
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": Buffer.byteLength(body),
            Origin: plan.origin,
            Cookie: `${plan.cookieName}=${reader.token}`,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? "network", body: Buffer.concat(chunks).toString() }));
          response.on("error", (error) => resolve({ status: "network", body: error.message }));
        },
      );
      request.on("error", (error) => resolve({ status: "network", body: error.message }));
      request.end(body);
    });

  const saveOnce = async () => {
    const index = pickReader();
    const percentages = randomPercentages(plan.scenarioIds.length);
    const sentAt = performance.now();
    const { status, body } = await post(index, percentages);
    const doneAt = performance.now();
    busy.delete(index);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) acknowledged[plan.readers[index]!.userId] = percentages;
    else if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`${status}: ${body.slice(0, 300)}`);
    if (doneAt >= measureFrom && doneAt <= measureUntil) {
      latencies.push(doneAt - sentAt);
      if (status === 200) {
        measuredOk += 1;
        const second = Math.min(plan.durationSeconds - 1, Math.floor((doneAt - measureFrom) / 1000));
        okPerSecond[second] = (okPerSecond[second] ?? 0) + 1;
      }
    }
  };
  const worker = async () => {
    while (performance.now() < measureUntil) await saveOnce();
  };
  let unsent = 0;
  const openLoop = (rate: number) =>
    new Promise<void>((resolve) => {
      const inFlight = new Set<Promise<void>>();
      let sent = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        if (now >= measureUntil) {
          clearInterval(tick);
          void Promise.all(inFlight).then(() => resolve());
          return;
        }
        const due = Math.floor(((now - startedAt) / 1000) * rate);
        for (; sent < due; sent++) {
          // A server that falls behind does not get a growing pile of requests: those are counted.
          if (inFlight.size >= plan.concurrency) {
            unsent += 1;
            continue;
          }
          const save = saveOnce().finally(() => inFlight.delete(save));
          inFlight.add(save);
        }
      }, 1);
    });
  if (plan.ratePerSecond) await openLoop(plan.ratePerSecond);
  else await Promise.all(Array.from({ length: plan.concurrency }, worker));
  marks.forEach(clearTimeout);
  agent.destroy();

  const measuredSeconds = plan.durationSeconds;
  const cpu = cpuUsed ?? process.cpuUsage(cpuAtStart);
  latencies.sort((a, b) => a - b);
  return {
    measuredSeconds,
    measuredOk,
    okPerSecond,
    latencyMs: {
      p50: round(percentile(latencies, 0.5)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? Number.NaN),
      mean: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
    },
    statuses,
    errorSamples,
    unsent,
    acknowledged,
    generatorCores: (cpu.user + cpu.system) / 1e6 / measuredSeconds,
  };
}

const [planFile, resultFile] = process.argv.slice(2);
if (!planFile || !resultFile) {
  console.error("usage: node --import tsx bench/forecast-load.ts <plan.json> <result.json>");
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, "utf8")) as LoadPlan;
writeFileSync(resultFile, JSON.stringify(await run(plan)));
