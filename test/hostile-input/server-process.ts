// The production bundle (build/server.js) in a child process, as `npm start` runs it, for the
// hostile-input suite. A child rather than a server inside the test worker, because what the
// suite looks for can take a process down or hold its event loop: a request that exhausts the
// heap kills only the child (and the suite says which request did it), and a request that blocks
// the event loop cannot stop the test's own clock. The child's heap is read over its IPC channel
// by a preload given on the command line (no route of the app serves it).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { projectRoot } from "../../prisma/database-url";
import { freePort } from "../free-port";

// A cap well above what the app uses (~40 MB after start-up), so that a runaway allocation ends
// the child in seconds instead of eating the machine's memory first.
const HEAP_LIMIT_MB = 512;

const HEAP_PROBE = `process.on("message", (message) => {
  if (message !== "heap") return;
  globalThis.gc();
  globalThis.gc();
  process.send({ heapUsed: process.memoryUsage().heapUsed });
});`;

export interface ServerProcessOptions {
  databaseUrl: string;
  /** Extra environment (rate limits). */
  env?: Record<string, string>;
}

export interface ServerProcess {
  origin: string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** How it ended ("exit code 134", "signal SIGKILL") and the end of its stderr, or null while it runs. */
  death(): string | null;
  /** A mark in the server's output (log lines other than plain request lines, and stderr). */
  outputMark(): number;
  /** What the server wrote since `mark`: the first lines, where an error's message is. */
  outputSince(mark: number): string;
  /** heapUsed after two full collections. */
  heapUsed(): Promise<number>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ["--expose-gc", `--max-old-space-size=${HEAP_LIMIT_MB}`, "--import", `data:text/javascript,${encodeURIComponent(HEAP_PROBE)}`, path.join(projectRoot, "build/server.js")],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: options.databaseUrl,
        // Info, for the "listening" line; each request's line is read and mostly dropped.
        LOG_LEVEL: "info",
        REDIS_URL: "",
        ALLOWED_ORIGINS: "",
        TRUST_PROXY: "false",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
  const output: string[] = [];
  // Lines dropped from the front of `output`, so that marks stay valid as it is trimmed.
  let dropped = 0;
  const remember = (line: string) => {
    output.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
    if (output.length > 400) {
      output.shift();
      dropped++;
    }
  };
  let ended: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      ended = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    }),
  );
  createInterface({ input: child.stderr! }).on("line", (line) => remember(`stderr: ${line}`));
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes("Crowdline listening")) resolve();
      // Request lines are the bulk; keep the ones that say something went wrong.
      if (!/"level":30,/.test(line) || line.includes("Crowdline listening")) remember(line);
    });
    void exited.then(() => reject(new Error(`hostile-input: build/server.js ended (${ended}) before listening:\n${output.join("\n")}`)));
  });
  await listening;

  const server: ServerProcess = {
    origin: `http://127.0.0.1:${port}`,
    alive: () => ended === null,
    death: () => (ended === null ? null : `${ended}; last output:\n${output.slice(-15).join("\n")}`),
    outputMark: () => dropped + output.length,
    outputSince: (mark) => output.slice(Math.max(0, mark - dropped), Math.max(0, mark - dropped) + 25).join("\n"),
    heapUsed() {
      return new Promise<number>((resolve, reject) => {
        if (ended !== null) return reject(new Error(`hostile-input: the server process is gone (${ended})`));
        child.once("message", (message) => resolve((message as { heapUsed: number }).heapUsed));
        child.send("heap");
      });
    },
    async stop() {
      if (ended !== null) return;
      child.kill("SIGTERM");
      const deadline = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(deadline);
    },
    async kill() {
      if (ended !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
  return server;
}
