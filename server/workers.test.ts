// WORKERS (decision 017): `server/index.ts` as a primary with real worker processes, one Redis, one
// PostgreSQL database. Which worker answered is read from the X-Crowdline-Worker header, on pages
// and on the WebSocket handshake.
import { spawn } from "node:child_process";
import { get } from "node:http";
import { createInterface } from "node:readline";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, type Db } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { postgresSkipReason, redisSkipReason } from "../test/test-database";
import { type ClientSocket, createQuestion, join, nextEvent, saveForecast, signUp } from "./realtime-testing";
import { WORKER_HEADER } from "./workers";

interface LogLine {
  msg?: string;
  port?: number;
  pid?: number;
  worker?: number;
}

/** `server/index.ts` in its own process; `lines` resolves each wanted log line as it comes. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", LOAD_SHED_DELAY_MS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  // "close": after the last log line has been read, not just after the exit.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const seen: LogLine[] = [];
  const waiting: { accept: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    if (!text.startsWith("{")) return;
    const line = JSON.parse(text) as LogLine;
    seen.push(line);
    for (const waiter of [...waiting]) {
      if (!waiter.accept(line)) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  /** The next log line (from now on) that `accept` takes. */
  const nextLine = (accept: (line: LogLine) => boolean) => new Promise<LogLine>((resolve) => waiting.push({ accept, resolve }));
  return { child, exited, seen, nextLine, stderr: () => stderr };
}

/** One request on a connection of its own, so that node:cluster may hand it to any worker. */
function workerOf(origin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${origin}/healthz`, { agent: false }, (response) => {
      response.resume();
      resolve(String(response.headers[WORKER_HEADER.toLowerCase()]));
    }).on("error", reject);
  });
}

const sockets: ClientSocket[] = [];
afterAll(() => sockets.forEach((socket) => socket.disconnect()));

/** A WebSocket client, and the worker that accepted its handshake. */
async function connectWithWorker(origin: string) {
  const socket: ClientSocket = connect(origin, { transports: ["websocket"], extraHeaders: { origin }, reconnection: false, forceNew: true });
  sockets.push(socket);
  // engine.io-client creates its `ws` WebSocket synchronously; its "upgrade" event carries the
  // handshake response, which engine.io's "headers" hook stamped with the worker.
  const ws = (socket.io.engine as unknown as { transport: { ws: { once: (event: "upgrade", listener: (response: { headers: Record<string, string> }) => void) => void } } }).transport.ws;
  const worker = new Promise<string>((resolve) => ws.once("upgrade", (response) => resolve(response.headers[WORKER_HEADER.toLowerCase()]!)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, worker: await worker };
}

describe("WORKERS refuses what cannot work across processes", () => {
  it("without REDIS_URL: one line, exit 1", async () => {
    const server = startProcess({ WORKERS: "2", REDIS_URL: "" });
    expect(await server.exited).toBe(1);
    expect(server.stderr().trim()).toBe(
      "crowdline: Invalid setting WORKERS: several worker processes need REDIS_URL (they share sockets, rate limits and sign-outs through Redis)",
    );
  });

  it("on SQLite: one line, exit 1", async () => {
    const server = startProcess({ WORKERS: "2", REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "" });
    expect(await server.exited).toBe(1);
    expect(server.stderr().trim()).toMatch(/^crowdline: Invalid setting WORKERS: several worker processes need a PostgreSQL DATABASE_URL/);
  });
});

describe.skipIf(redisSkipReason() ?? postgresSkipReason())("two workers, one Redis, one PostgreSQL database", () => {
  let db: Db;
  let server: ReturnType<typeof startProcess>;
  let origin: string;

  beforeAll(async () => {
    const databaseUrl = inject("postgresUrl") as string;
    db = createDb(databaseUrl);
    server = startProcess({ WORKERS: "2", DATABASE_URL: databaseUrl, REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: `crowdline-test-workers-${process.pid}` });
    const listening = await Promise.race([
      server.nextLine((line) => Boolean(line.msg?.startsWith("Crowdline listening"))),
      server.exited.then((code) => {
        throw new Error(`exited with ${code} before listening: ${server.stderr()}`);
      }),
    ]);
    origin = `http://127.0.0.1:${listening.port}`;
  }, 90_000);

  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await db?.$disconnect();
  });

  it("answers from both workers, one port", async () => {
    const workers = new Set<string>();
    // node:cluster deals connections to the workers in turn; a handful shows both.
    for (let attempt = 0; attempt < 10 && workers.size < 2; attempt++) workers.add(await workerOf(origin));
    expect([...workers].sort()).toEqual(["1", "2"]);
  });

  it("delivers a forecast saved through one worker to a reader on the other", async () => {
    const question = await createQuestion({}, db);
    const readers = [await connectWithWorker(origin), await connectWithWorker(origin)];
    // Connections go to the workers in turn, but another test's request may come in between.
    while (readers[0]!.worker === readers.at(-1)!.worker) readers.push(await connectWithWorker(origin));
    const [first, second] = [readers[0]!, readers.at(-1)!];
    await join(first.socket, question.id);
    await join(second.socket, question.id);
    const received = Promise.all([nextEvent(first.socket, "question:aggregate"), nextEvent(second.socket, "question:aggregate")]);
    const { cookie } = await signUp(origin, db);
    await saveForecast(origin, cookie, question, 40);
    const [onFirst, onSecond] = await received;
    expect(onFirst).toEqual(onSecond);
    expect(onFirst.aggregate.centers[0]).toBeCloseTo(0.4);
  });

  it("takes sockets over WebSocket only: a long-polling handshake is refused", async () => {
    const response = await fetch(`${origin}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect(response.status).toBe(400);
  });

  it("replaces a worker that dies, and keeps serving meanwhile", async () => {
    const victim = server.seen.find((line) => line.msg === "worker started" && line.worker === 1)!;
    const replaced = server.nextLine((line) => line.msg === "worker listening" && line.worker !== 1 && line.worker !== 2);
    process.kill(victim.pid!, "SIGKILL");
    await server.nextLine((line) => line.msg === "worker died; starting another");
    // Served meanwhile: by worker 2, or by the replacement (3) if it was already up.
    expect(["2", "3"]).toContain(await workerOf(origin));
    const replacement = await replaced;
    const workers = new Set<string>();
    for (let attempt = 0; attempt < 10 && workers.size < 2; attempt++) workers.add(await workerOf(origin));
    expect(workers).toEqual(new Set(["2", String(replacement.worker)]));
  }, 60_000);

  it("stops every worker on SIGTERM and exits 0", async () => {
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    // Each worker stopped gracefully (the one killed above is gone), then the primary.
    const stops = server.seen.filter((line) => line.msg === "stopped");
    expect(stops.map((line) => String(line.worker ?? "primary")).sort()).toEqual(["2", "3", "primary"].sort());
  }, 60_000);
});
