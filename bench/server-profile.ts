// The built server as the benches that look inside it start it (discussion, viral, per-path), and
// the CPU profile they can take of it: `node build/server.js` in its own process group, with the
// open-file limit raised to the hard limit (thousands of sockets are thousands of descriptors), its
// output in a file, and, when asked for, an inspector that bench/live-inspector.ts samples over
// exactly a measured window.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { freePort } from "../test/free-port";
import { type BenchContext, LOOPBACK, builtServerEnv, projectRoot, spawnGroup, waitForHealthy } from "./harness";
import { type ProfileSummary, summariseProfile } from "./live-profile";

const inspectorScript = path.join(projectRoot, "bench/live-inspector.ts");
// Node 20 has a WebSocket client, which the inspector needs, only behind a flag.
const websocketFlag = typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [];

// Ctrl-C reaches only the runner when it is not run from a terminal; a profiler must stop with it.
const profilers = new Set<ChildProcess>();
process.on("exit", () => profilers.forEach((child) => child.kill("SIGKILL")));

export interface ProfiledServer {
  origin: string;
  /** The node process itself (the shell execs it), whose CPU /proc reports. */
  pid: number;
  /** Set when the server was started with `--inspect`. */
  inspectorPort: number | undefined;
  /** Everything the server has written to stdout and stderr so far. */
  log: () => string;
  stop: () => Promise<void>;
}

export interface ServerOptions {
  /** Names the scratch directories (`<name>-server-…`, `<name>-profile-…`). */
  name: string;
  /** Added to (and overriding) builtServerEnv: rate limits, load shedding. */
  env?: Record<string, string>;
  /** Starts the server with an inspector, so that startProfile can sample it. */
  inspect?: boolean;
}

export interface NodeServerOptions {
  /** Names the scratch directories (`<name>-server-…`, `<name>-profile-…`). */
  name: string;
  cwd: string;
  /** Node's arguments after any `--inspect`: the script and its own. */
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Starts the server with an inspector, so that startProfile can sample it. */
  inspect?: boolean;
}

/** A node server in its own process group, once `/healthz` answers 200 on `port`. */
export async function startNodeServer(tmpDir: string, { name, cwd, args, env, port, inspect }: NodeServerOptions): Promise<ProfiledServer> {
  const inspectorPort = inspect ? await freePort() : undefined;
  const origin = `http://${LOOPBACK}:${port}`;
  const logFile = path.join(mkdtempSync(path.join(tmpDir, `${name}-server-`)), "server.log");
  // A shell that raises the open-file limit and execs node keeps the server's pid as the group
  // leader's, whose CPU is sampled.
  const script = 'ulimit -n "$(ulimit -Hn)"; log="$1"; shift; exec "$@" >"$log" 2>&1';
  const nodeArgs = [...(inspectorPort ? [`--inspect=${LOOPBACK}:${inspectorPort}`] : []), ...args];
  const startedAt = performance.now();
  const group = spawnGroup(cwd, "/bin/sh", ["-c", script, "sh", logFile, process.execPath, ...nodeArgs], env);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  try {
    await waitForHealthy(`${origin}/healthz`, group, startedAt, 60_000);
  } catch (error) {
    await group.stop();
    throw new Error(`${(error as Error).message}\nserver output:\n${log().slice(-4000)}`);
  }
  return { origin, pid: group.pid, inspectorPort, log, stop: group.stop };
}

/** `node build/server.js` in the built `appRoot` on `databaseUrl`, once it answers /healthz. */
export async function startServer({ appRoot, tmpDir }: BenchContext, databaseUrl: string, options: ServerOptions): Promise<ProfiledServer> {
  const port = await freePort();
  const env = { ...builtServerEnv(port, databaseUrl), ...options.env };
  return startNodeServer(tmpDir, { name: options.name, cwd: appRoot, args: ["build/server.js"], env, port, inspect: options.inspect });
}

/** Starts sampling the server's CPU (bench/live-inspector.ts); the returned function stops and summarises. */
export async function startProfile(server: ProfiledServer, tmpDir: string, name: string): Promise<() => Promise<ProfileSummary>> {
  if (server.inspectorPort === undefined) throw new Error("the server was started without an inspector (ServerOptions.inspect)");
  const file = path.join(mkdtempSync(path.join(tmpDir, `${name}-profile-`)), "window.cpuprofile");
  const child = spawn(process.execPath, [...websocketFlag, "--no-warnings", "--import", "tsx", inspectorScript, "profile", String(server.inspectorPort), file], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  profilers.add(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  if (first.value !== "started") throw new Error(`the profiler did not start: ${stderr.slice(-2000)}`);
  return async () => {
    child.stdin.end();
    const code = await closed;
    profilers.delete(child);
    if (code !== 0) throw new Error(`the profiler failed (code ${code}): ${stderr.slice(-2000)}`);
    return summariseProfile(file);
  };
}

/**
 * Per-user limits off (comments, sign-in): benches that post as a few readers would otherwise be
 * answered 429 and measure the limiter instead of the server.
 */
export const RATE_LIMITS_OFF: Record<string, string> = { COMMENT_RATE_LIMIT_PER_MINUTE: "100000", AUTH_RATE_LIMIT_PER_MINUTE: "100000" };
