// What every bench shares: the contract the runner expects, and the processes a bench measures.
// Each measured server runs in its own process group (detached), away from the load generator and
// from this process, so that stopping it also stops whatever it spawned (npm → sh → node).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { projectRoot } from "../prisma/database-url";
import { freePort } from "../test/free-port";

export { projectRoot };

export interface Metric {
  name: string;
  result: string;
  target?: string;
  /** Left out for figures reported without a target. */
  pass?: boolean;
}

/** Supporting figures that have no target, such as one row per file or per run. */
export interface DetailTable {
  caption: string;
  columns: string[];
  rows: string[][];
}

export interface BenchReport {
  metrics: Metric[];
  /** Markdown list items under the table: conditions and caveats. */
  notes: string[];
  details: DetailTable[];
}

export interface BenchContext {
  /** A built copy of the working tree (see working-tree-snapshot.ts): where servers run from. */
  appRoot: string;
  /** Scratch directory for this run (databases, logs); the runner deletes it afterwards. */
  tmpDir: string;
  log: (message: string) => void;
}

export interface Bench {
  /** Used on the command line (`npm run bench -- <id>`). */
  id: string;
  title: string;
  /** One paragraph for docs/PERFORMANCE.md: what is measured and how. */
  description: string;
  run: (context: BenchContext) => Promise<BenchReport>;
}

/** Benches only ever talk to servers on this machine; the load must not leave it. */
export const LOOPBACK = "127.0.0.1";

export function assertLoopback(url: string): void {
  if (new URL(url).hostname !== LOOPBACK) throw new Error(`bench refused to target ${url}: only ${LOOPBACK} is allowed`);
}

/** A `file:` URL in a directory of its own, so the SQLite file and its journal start from nothing. */
export function freshDatabaseUrl(tmpDir: string): string {
  return `file:${path.join(mkdtempSync(path.join(tmpDir, "db-")), "bench.db")}`;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** As it came over the wire: compressed when the server compressed it. */
  body: Buffer;
  /** From sending to the last byte. */
  ms: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A keep-alive agent of the caller's, e.g. to reuse one connection; Node's global agent otherwise. */
  agent?: http.Agent;
  timeoutMs?: number;
}

/** One HTTP request to this machine, read to its end (node:http: no decompression, no redirects). */
export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const outgoing = http.request(url, { method: options.method ?? "GET", agent: options.agent, headers: options.headers, timeout: options.timeoutMs ?? 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), ms: performance.now() - startedAt }));
      response.on("error", reject);
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`${options.method ?? "GET"} ${url} timed out`)));
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

export interface GroupProcess {
  pid: number;
  /** The tail of stdout and stderr, to explain a process that died or never became ready. */
  output: () => string;
  /** Exit code of the group leader once it has exited, `undefined` while it runs. */
  exitCode: () => number | null | undefined;
  stop: () => Promise<void>;
}

const OUTPUT_TAIL_CHARS = 4000;
const running = new Set<GroupProcess>();

// A crash or Ctrl-C must not leave servers holding ports and CPU behind. Only synchronous work is
// possible in an exit handler, hence SIGKILL here; the orderly path is stop().
process.on("exit", () => {
  for (const group of running) {
    try {
      process.kill(-group.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForGroupExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!groupAlive(pid)) return true;
    await delay(50);
  }
  return !groupAlive(pid);
}

/** Spawns `command` in `cwd` as the leader of a new process group. */
export function spawnGroup(cwd: string, command: string, args: string[], env: Record<string, string>): GroupProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    // Pipes are drained continuously below; an unread pipe would eventually block the child.
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  const pid = child.pid;
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitCode: number | null | undefined;
  child.on("exit", (code, signal) => {
    exitCode = code;
    if (signal) keep(Buffer.from(`\nkilled by ${signal}\n`));
  });
  child.on("error", (error) => keep(Buffer.from(`\nspawn error: ${error.message}\n`)));

  const group: GroupProcess = {
    pid,
    output: () => tail,
    exitCode: () => exitCode,
    stop: async () => {
      running.delete(group);
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        return;
      }
      if (await waitForGroupExit(pid, 10_000)) return;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        return;
      }
      // Killed processes use no CPU; if they linger as unreaped zombies there is nothing left to do.
      await waitForGroupExit(pid, 2_000);
    },
  };
  running.add(group);
  return group;
}

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((group) => group.stop()));
}

/**
 * Polls `url` every 50 ms until it answers 200; resolves with the milliseconds since `since`
 * (a performance.now() reading). Fails early if the process exits, and at the deadline.
 */
export async function waitForHealthy(url: string, group: GroupProcess, since: number, timeoutMs: number): Promise<number> {
  assertLoopback(url);
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    const code = group.exitCode();
    if (code !== undefined) throw new Error(`process exited (code ${code}) before ${url} answered:\n${group.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // Not listening yet.
    }
    await delay(50);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${group.output()}`);
}

export interface RunningServer {
  origin: string;
  /** The group leader: the server itself, except under `npm start`. */
  pid: number;
  databaseUrl: string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readyMs: number;
  stop: () => Promise<void>;
}

/** Environment for the built server: production, quiet, loopback only, no Redis whatever the shell says. */
export function builtServerEnv(port: number, databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: LOOPBACK,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    // Empty values count as unset in the app's settings parser.
    REDIS_URL: "",
    ALLOWED_ORIGINS: "",
  };
}

interface ServerCommand {
  cwd: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

async function startAndWait({ cwd, command, args, env }: ServerCommand, port: number, databaseUrl: string, timeoutMs: number): Promise<RunningServer> {
  const origin = `http://${LOOPBACK}:${port}`;
  const startedAt = performance.now();
  const group = spawnGroup(cwd, command, args, env);
  try {
    const readyMs = await waitForHealthy(`${origin}/healthz`, group, startedAt, timeoutMs);
    return { origin, pid: group.pid, databaseUrl, readyMs, stop: group.stop };
  } catch (error) {
    await group.stop();
    throw error;
  }
}

/** `node build/server.js` in the built `appRoot`; on a fresh database unless one is given. */
export async function startBuiltServer({ appRoot, tmpDir }: BenchContext, databaseUrl = freshDatabaseUrl(tmpDir)): Promise<RunningServer> {
  const port = await freePort();
  const command = { cwd: appRoot, command: process.execPath, args: ["build/server.js"], env: builtServerEnv(port, databaseUrl) };
  return startAndWait(command, port, databaseUrl, 30_000);
}

/** `npm start` in `appRoot`, i.e. build then serve, as a developer runs it. */
export async function startWithNpmStart({ appRoot, tmpDir }: BenchContext): Promise<RunningServer> {
  const port = await freePort();
  const databaseUrl = freshDatabaseUrl(tmpDir);
  return startAndWait({ cwd: appRoot, command: "npm", args: ["start"], env: builtServerEnv(port, databaseUrl) }, port, databaseUrl, 120_000);
}

/** The baseline in bench/bare-express-server.ts: Express 4 answering "hello" and nothing else. */
export async function startBareExpress(): Promise<RunningServer> {
  const port = await freePort();
  const env = { NODE_ENV: "production", PORT: String(port) };
  // `--import tsx` keeps it to one process (the tsx CLI would add a parent), and the loader only
  // costs at start-up, not per request.
  const script = path.join("bench", "bare-express-server.ts");
  return startAndWait({ cwd: projectRoot, command: process.execPath, args: ["--import", "tsx", script], env }, port, "", 30_000);
}
