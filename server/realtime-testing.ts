// What the live layer's integration tests share: a real server on a free port (optionally with the
// Remix build, for forecasts saved through the real action), real socket.io clients, accounts and
// questions. Not a test file itself.
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { io as connect, type Socket } from "socket.io-client";
import { getDb, type Db } from "~/db.server";
import { probabilityFieldName } from "~/domain/probability-fields";
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from "~/realtime/contract";
import { projectRoot } from "../prisma/database-url";
import { createCrowdlineServer, type AppOptions } from "./app";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const loadRemixBuild = async () => (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;

/** Log lines as objects, to assert what was (and was not) logged. */
export function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: "info" }, destination), lines, raw };
}

export async function startServer(options: Partial<AppOptions> = {}) {
  const server = await createCrowdlineServer({
    db: getDb(),
    logger: pino({ level: "silent" }),
    allowedOrigins: [],
    mode: "test",
    authAttemptsPerMinute: 10_000,
    // A Redis shared with parallel test files must not carry their messages to us.
    redisPrefix: `crowdline-test-${randomUUID()}`,
    ...options,
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

/** `server/index.ts` in a process of its own, as `npm start` runs it; resolves once it listens. */
export async function startInstanceProcess(env: Record<string, string>): Promise<{ child: ChildProcess; origin: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  const origin = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg?.startsWith("Crowdline listening")) resolve(`http://127.0.0.1:${entry.port}`);
    });
    void exited.then((code) => reject(new Error(`server/index.ts exited with ${code} before listening: ${stderr}`)));
  });
  return { child, origin, exited };
}

const openSockets = new Set<ClientSocket>();

export function connectClient(origin: string, options: { cookie?: string; reconnection?: boolean } = {}): Promise<ClientSocket> {
  const socket: ClientSocket = connect(origin, {
    transports: ["websocket"],
    extraHeaders: { origin, ...(options.cookie ? { cookie: options.cookie } : {}) },
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 10,
    reconnectionDelayMax: 10,
    forceNew: true,
  });
  openSockets.add(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** Disconnects every client the tests opened (afterAll). */
export function disconnectClients() {
  for (const socket of openSockets) socket.disconnect();
  openSockets.clear();
}

export const join = (socket: ClientSocket, questionId: unknown) => socket.timeout(5_000).emitWithAck("question:join", questionId) as Promise<JoinAck>;

/**
 * Proof that the server has handled everything this client sent before, and sent it everything
 * it was going to send before that: an ack is answered after the server processed what preceded
 * it, and arrives after what the server emitted earlier. Costs one event of the client's budget.
 */
export async function roundTrip(socket: ClientSocket) {
  await join(socket, "");
}

/** The first `event` payload that satisfies `accept` (any, by default). */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  accept: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve) => {
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!accept(payload)) return;
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}

/** Every payload of `event` from now on, in arrival order. */
export function recordEvents<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E) {
  const received: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => received.push(payload)) as never);
  return received;
}

export const disconnected = (socket: ClientSocket) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

export function post(origin: string, pathname: string, fields: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Origin: origin };
  if (cookie) headers.Cookie = cookie;
  return fetch(`${origin}${pathname}`, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

export async function signUp(origin: string, db: Db = getDb()) {
  const username = `live_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const password = `pw-${username}-long`;
  const response = await post(origin, "/signup", { username, email: `${username}@example.com`, password });
  if (response.status !== 302) throw new Error(`sign-up answered ${response.status}`);
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("session="))!.split(";")[0]!;
  const user = await db.user.findUniqueOrThrow({ where: { username } });
  return { cookie, userId: user.id, username, password };
}

export interface TestQuestion {
  id: string;
  yesScenarioId: string;
}

/** A fresh open binary question on the seeded article, so that no other test moves its versions. */
export async function createQuestion(options: { revealCrowd?: "always" | "after_forecast" } = {}, db: Db = getDb()): Promise<TestQuestion> {
  const article = await db.article.findUniqueOrThrow({ where: { slug: "open-vs-closed-ai-2026" } });
  const empty = { summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" };
  const question = await db.question.create({
    data: {
      articleId: article.id,
      position: randomInt(1_000, 1_000_000_000),
      kind: "binary",
      title: "Live test question",
      description: "",
      revealCrowd: options.revealCrowd ?? "always",
      scenarios: { create: ["Yes", "No"].map((title, position) => ({ position, title, ...empty })) },
    },
    include: { scenarios: { orderBy: { position: "asc" } } },
  });
  return { id: question.id, yesScenarioId: question.scenarios[0]!.id };
}

/** Saves a forecast through the question page's action, as the browser's form does. */
export async function saveForecast(origin: string, cookie: string, question: TestQuestion, yesPercent: number) {
  const response = await post(origin, `/questions/${question.id}`, { intent: "save", [probabilityFieldName(question.yesScenarioId)]: String(yesPercent) }, cookie);
  if (response.status !== 200) throw new Error(`saving a forecast answered ${response.status}: ${await response.text()}`);
}

export const sampleAggregate = (yes: number) => ({ method: "median" as const, centers: [yes, 1 - yes], lower: [yes, 1 - yes], upper: [yes, 1 - yes], count: 1 });
