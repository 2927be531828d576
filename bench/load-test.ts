// HTTP load with autocannon, always from a separate process: a load generator sharing the server's
// event loop (or this runner's) would measure its own overhead as much as the server's.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { type CpuShares, cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import { assertLoopback, projectRoot } from "./harness";

const autocannonCli = path.join(projectRoot, "node_modules/autocannon/autocannon.js");

// Ctrl-C reaches only the runner when it is not run from a terminal; the load must stop with it.
const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((child) => child.kill("SIGKILL")));

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Extra request headers, e.g. a cookie to get past the anonymous page cache. */
  headers?: Record<string, string>;
}

export interface LoadResult {
  /** Mean of autocannon's per-second samples. */
  requestsPerSecond: number;
  totalRequests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Connection errors, including timeouts. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Cores used during the measured part: watched = the server, reapedChildren = autocannon. */
  cpu: CpuShares | undefined;
}

/** The part of autocannon's --json output this harness reads. */
interface AutocannonJson {
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p99: number; max: number };
  requests: { average: number; total: number };
}

function isAutocannonJson(value: unknown): value is AutocannonJson {
  const candidate = value as Partial<AutocannonJson> | null;
  return (
    typeof candidate?.errors === "number" &&
    typeof candidate.non2xx === "number" &&
    typeof candidate.latency?.p99 === "number" &&
    typeof candidate.requests?.average === "number"
  );
}

function autocannon(url: string, connections: number, durationSeconds: number, headers: Record<string, string> = {}): Promise<AutocannonJson> {
  assertLoopback(url);
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ["--headers", `${name}=${value}`]);
  const args = [autocannonCli, "--json", "--connections", String(connections), "--duration", String(durationSeconds), ...headerArgs, url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    // autocannon stops itself after --duration; this only catches a hung load generator.
    const guard = setTimeout(() => child.kill("SIGKILL"), (durationSeconds + 30) * 1000);
    child.on("error", (error) => {
      clearTimeout(guard);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      running.delete(child);
      const lastLine = stdout.trim().split("\n").at(-1) ?? "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(lastLine);
      } catch {
        parsed = undefined;
      }
      if (code === 0 && isAutocannonJson(parsed)) resolve(parsed);
      else reject(new Error(`autocannon ${url} failed (code ${code}, signal ${signal}):\n${stderr.slice(-2000)}${stdout.slice(-2000)}`));
    });
  });
}

/** Warms the server up with the same load (results discarded), then measures. */
export async function measureLoad(url: string, serverPid: number, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await autocannon(url, options.connections, options.warmupSeconds, options.headers);
  const before = takeCpuSnapshot(serverPid);
  const result = await autocannon(url, options.connections, options.durationSeconds, options.headers);
  const after = takeCpuSnapshot(serverPid);
  return {
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    cpu: before && after ? cpuSharesBetween(before, after) : undefined,
  };
}
