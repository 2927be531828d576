// The live layer under load (issue 6): how long a committed forecast takes to reach every reader
// watching its question, against socket.io alone on the same machine (bench/bare-socketio-server.ts),
// and what an idle connection costs the server in memory. Listeners are real socket.io clients
// (websocket transport) in processes of their own (bench/live-listeners.ts); forecasts go through
// the real save action over HTTP.
import http from "node:http";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { build } from "esbuild";
import { io, type Socket } from "socket.io-client";
import { sessionCookieSettings } from "../app/auth/session.server";
import { createDb, type Db } from "../app/db.server";
import { SOCKET_PATH, isJoinError, type ClientToServerEvents, type ServerToClientEvents } from "../app/realtime/contract";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { freePort } from "../test/free-port";
import { cpuSharesBetween, takeCpuSnapshot } from "./cpu-usage";
import {
  type Bench,
  type BenchContext,
  type BenchReport,
  type DetailTable,
  type Metric,
  LOOPBACK,
  builtServerEnv,
  freshDatabaseUrl,
  projectRoot,
  spawnGroup,
  waitForHealthy,
} from "./harness";
import { ListenerFleet, type FleetStep } from "./live-fleet";
import type { ServerMemory } from "./live-inspector";
import { type ProfileSummary, summariseProfile, top } from "./live-profile";
import { createSignedInReaders, type SignedInReader } from "../test/signed-in-readers";

const LISTENER_SIZES = [1_000, 5_000];
const IDLE_CONNECTIONS = 15_000;
/** One forecast every PACE_MS: a broadcast has gone out to every listener well before the next. */
const PACE_MS = 200;
const WARMUP_SAMPLES = 5;
const SAMPLES = 40;
const LISTENER_PROCESSES = 2;
/** Per listener process: handshakes or joins awaiting their answer at once. */
const IN_FLIGHT = 50;
/** Any step of connecting or joining that takes longer is cut short and reported as such. */
const STEP_DEADLINE_MS = { connect: 60_000, joinListeners: 60_000, joinIdle: 30_000 };
const AFTER_DISCONNECT_WAIT_MS = 10_000;
const TARGET = { latencyRatio: 1.2, bytesPerConnection: 25 * 1024 };
/** Set (to anything) to profile each server's CPU over each measured broadcast window. */
const PROFILE = Boolean(process.env.BENCH_CPU_PROFILE);

const clock = () => performance.timeOrigin + performance.now();
const inspectorScript = path.join(projectRoot, "bench/live-inspector.ts");
const bareServerSource = path.join(projectRoot, "bench/bare-socketio-server.ts");
// Node 20 has a WebSocket client, which the inspector needs, only behind a flag; later Nodes have it on.
const websocketFlag = typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [];

type Kind = "ours" | "bare";
const LABEL: Record<Kind, string> = { ours: "Crowdline", bare: "bare socket.io" };

interface LiveServer {
  kind: Kind;
  origin: string;
  pid: number;
  inspectorPort: number | undefined;
  stop: () => Promise<void>;
}

/**
 * Both servers the same way: their own process group, output to a file, the open-file limit raised
 * to the hard limit (15 000 connections are 15 000 descriptors), and an inspector when asked for.
 */
async function startServer(kind: Kind, context: BenchContext, args: string[], env: Record<string, string>, withInspector: boolean): Promise<LiveServer> {
  const port = await freePort();
  const inspectorPort = withInspector ? await freePort() : undefined;
  const origin = `http://${LOOPBACK}:${port}`;
  const logFile = path.join(mkdtempSync(path.join(context.tmpDir, `live-${kind}-`)), "server.log");
  const script = 'ulimit -n "$(ulimit -Hn)"; log="$1"; shift; exec "$@" >"$log" 2>&1';
  const nodeArgs = [...(inspectorPort ? [`--inspect=${LOOPBACK}:${inspectorPort}`] : []), ...args];
  const startedAt = performance.now();
  const cwd = kind === "ours" ? context.appRoot : projectRoot;
  const group = spawnGroup(cwd, "/bin/sh", ["-c", script, "sh", logFile, process.execPath, ...nodeArgs], { ...env, PORT: String(port) });
  try {
    await waitForHealthy(`${origin}/healthz`, group, startedAt, 60_000);
  } catch (error) {
    await group.stop();
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    throw new Error(`${(error as Error).message}\nserver output:\n${log.slice(-4000)}`);
  }
  return { kind, origin, pid: group.pid, inspectorPort, stop: group.stop };
}

function startOurs(context: BenchContext, databaseUrl: string, withInspector: boolean): Promise<LiveServer> {
  const { PORT: _port, ...env } = builtServerEnv(0, databaseUrl);
  return startServer("ours", context, ["build/server.js"], env, withInspector);
}

/** Bundled like the app's server (no TypeScript loader in the measured process), once per run. */
async function bundleBareServer(tmpDir: string): Promise<string> {
  const outfile = path.join(tmpDir, "bare-socketio-server.mjs");
  if (!existsSync(outfile)) {
    await build({ entryPoints: [bareServerSource], bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", outfile, logLevel: "warning" });
  }
  return outfile;
}

async function startBare(context: BenchContext, withInspector: boolean): Promise<LiveServer> {
  return startServer("bare", context, [await bundleBareServer(context.tmpDir)], { NODE_ENV: "production" }, withInspector);
}

function runInspector(args: string[]) {
  return spawn(process.execPath, [...websocketFlag, "--no-warnings", "--import", "tsx", inspectorScript, ...args], {
    cwd: projectRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

async function memoryOf(server: LiveServer, collectGarbage: boolean): Promise<ServerMemory> {
  const child = runInspector(["memory", String(server.inspectorPort), collectGarbage ? "gc" : "nogc"]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`could not read the ${LABEL[server.kind]} server's memory (code ${code}): ${stderr.slice(-2000)}`);
  return JSON.parse(stdout) as ServerMemory;
}

/** Starts sampling the server's CPU; the returned function stops and summarises it. */
async function startProfile(server: LiveServer, tmpDir: string): Promise<() => Promise<ProfileSummary>> {
  const file = path.join(mkdtempSync(path.join(tmpDir, "live-profile-")), "window.cpuprofile");
  const child = runInspector(["profile", String(server.inspectorPort), file]);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== "started") throw new Error(`the profiler did not start: ${stderr.slice(-2000)}`);
  return async () => {
    child.stdin.end();
    const code = await closed;
    if (code !== 0) throw new Error(`the profiler failed (code ${code}): ${stderr.slice(-2000)}`);
    return summariseProfile(file);
  };
}


interface Trigger {
  version: number;
  /** When the request left the sender. */
  sentAt: number;
  /** When the response's status line (200) reached the sender. */
  okAt: number;
  /**
   * The server's own moment for this version: Crowdline's transaction timestamp (filled in after
   * the run, from the database), the bare server's emit.
   */
  madeAt?: number;
}

/** One keep-alive connection, as one reader's browser saving again and again. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; sentAt: number; okAt: number }> {
  return new Promise((resolve, reject) => {
    const sentAt = clock();
    const request = http.request(url, { method: "POST", agent, headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) } }, (response) => {
      const okAt = clock();
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sentAt, okAt }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

function randomPercentages(count: number): number[] {
  // Whole percentages adding up to exactly 100, as the sliders send them.
  const cuts = Array.from({ length: count - 1 }, () => Math.floor(Math.random() * 101)).sort((a, b) => a - b);
  return [...cuts, 100].map((cut, index) => cut - (index === 0 ? 0 : cuts[index - 1]!));
}

interface Subject {
  server: LiveServer;
  questionId: string;
  /** Causes one broadcast and says which version it carries. */
  fire: () => Promise<Trigger>;
  /** Ours: fills in `madeAt` from the database, and says whether it holds exactly the versions counted. */
  settle?: (triggers: Trigger[]) => Promise<string | undefined>;
}

interface OurQuestion {
  id: string;
  scenarioIds: string[];
}

function ourSubject(server: LiveServer, db: Db, question: OurQuestion, readers: SignedInReader[], startVersion: number): Subject {
  const cookieName = sessionCookieSettings("production").name;
  let saves = 0;
  return {
    server,
    questionId: question.id,
    async fire() {
      const reader = readers[saves % readers.length]!;
      const fields = new URLSearchParams({ intent: "save" });
      const percentages = randomPercentages(question.scenarioIds.length);
      question.scenarioIds.forEach((id, index) => fields.set(`p_${id}`, String(percentages[index])));
      const headers = { "Content-Type": "application/x-www-form-urlencoded", Origin: server.origin, Cookie: `${cookieName}=${reader.token}` };
      const answer = await post(`${server.origin}/questions/${question.id}.data`, headers, fields.toString());
      if (answer.status !== 200) throw new Error(`the save action answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      // Saves go one at a time, so each commits alone and takes the next version (docs/decisions/009).
      saves += 1;
      return { version: startVersion + saves, sentAt: answer.sentAt, okAt: answer.okAt };
    },
    async settle(triggers) {
      const { aggregateVersion } = await db.question.findUniqueOrThrow({ where: { id: question.id }, select: { aggregateVersion: true } });
      if (aggregateVersion !== startVersion + saves) return `the question is at version ${aggregateVersion} after ${saves} saves from ${startVersion}`;
      // The group-commit writer stamps the snapshot (and the forecast) with the time it took inside
      // the transaction, just before its writes and commit: the nearest record of "committed".
      const snapshots = await db.aggregateSnapshot.findMany({
        where: { questionId: question.id, version: { in: triggers.map((trigger) => trigger.version) } },
        select: { version: true, createdAt: true },
      });
      const stamps = new Map(snapshots.map((snapshot) => [snapshot.version, snapshot.createdAt.getTime()]));
      for (const trigger of triggers) trigger.madeAt = stamps.get(trigger.version);
      return snapshots.length === triggers.length ? undefined : `${triggers.length - snapshots.length} saves have no snapshot of their version`;
    },
  };
}

function bareSubject(server: LiveServer, questionId: string): Subject {
  return {
    server,
    questionId,
    async fire() {
      const answer = await post(`${server.origin}/emit?questionId=${questionId}`, {}, "");
      if (answer.status !== 200) throw new Error(`the bare server answered ${answer.status}`);
      const { version, emittedAt } = JSON.parse(answer.body) as { version: number; emittedAt: number };
      return { version, sentAt: answer.sentAt, okAt: answer.okAt, madeAt: emittedAt };
    },
  };
}

interface Distribution {
  p50: number;
  p99: number;
  max: number;
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => `${value.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const triple = (d: Distribution) => `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`;
const seconds = (step: FleetStep) => `${(step.ms / 1000).toFixed(1)} s`;

interface BroadcastRun {
  kind: Kind;
  listeners: number;
  connect: FleetStep;
  join: FleetStep;
  /** Why the room never held every listener, in which case nothing was measured. */
  unfilled: string | undefined;
  measured: Measured | undefined;
}

interface Measured {
  /** From the server's own moment (Trigger.madeAt): Crowdline's commit, the bare server's emit. */
  fromMade: Distribution;
  fromOk: Distribution;
  fromSent: Distribution;
  /** Per broadcast, from the server's moment until the last listener had it: the whole room's wait. */
  wholeRoom: Distribution;
  /** Per broadcast, from the server's moment until the first listener had it: what comes before the fan-out. */
  firstListener: Distribution;
  /** From the first listener's receipt of a broadcast to each listener's: the fan-out alone. */
  fanOut: Distribution;
  /** How long the trigger took: the save action, or the bare server's emit and answer. */
  trigger: Distribution;
  delivered: number;
  expected: number;
  /** Listeners the server dropped while broadcasts were measured. */
  dropped: number;
  cores: Cores | undefined;
  problem: string | undefined;
  profile: ProfileSummary | undefined;
}

/** Cores kept busy over a window: servers and listeners share the machine's two with whatever else runs. */
interface Cores {
  server: number;
  listeners: number;
  /** Everything but the servers and listeners measured: this runner (the sender), and any other work on the machine. */
  rest: number;
}

interface Watched {
  server: number;
  listeners: number[];
}

async function coresOver(watched: Watched[], action: () => Promise<void>): Promise<Cores[] | undefined> {
  const pids = watched.flatMap(({ server, listeners }) => [server, ...listeners]);
  const before = pids.map((pid) => takeCpuSnapshot(pid));
  await action();
  const after = pids.map((pid) => takeCpuSnapshot(pid));
  if (before.some((snapshot) => !snapshot) || after.some((snapshot) => !snapshot)) return undefined;
  const shares = before.map((start, index) => cpuSharesBetween(start!, after[index]!));
  const byPid = new Map(pids.map((pid, index) => [pid, shares[index]!.watched]));
  // Any share's `other` is the machine minus that one process.
  const machine = shares[0]!.watched + shares[0]!.other;
  const rest = Math.max(0, machine - [...byPid.values()].reduce((sum, value) => sum + value, 0));
  return watched.map(({ server, listeners }) => ({
    server: byPid.get(server)!,
    listeners: listeners.reduce((sum, pid) => sum + byPid.get(pid)!, 0),
    rest,
  }));
}

/** A server under test with its own listeners, which stay connected to it while the other server is measured. */
interface Contender {
  subject: Subject;
  fleet: ListenerFleet;
}

/**
 * The contenders' broadcasts take turns, one every PACE_MS overall, so that both servers are
 * measured over the same seconds: other work on the machine (tests, builds) then weighs on both
 * alike instead of on whichever happened to run while it did.
 */
async function interleavedTriggers(contenders: Contender[], perContender: number): Promise<Trigger[][]> {
  const triggers = contenders.map((): Trigger[] => []);
  const startedAt = performance.now();
  for (let slot = 0; slot < perContender * contenders.length; slot++) {
    // A slow trigger delays the next one rather than overlapping it (which could fold two into one version).
    const wait = startedAt + slot * PACE_MS - performance.now();
    if (wait > 0) await delay(wait);
    const turn = slot % contenders.length;
    triggers[turn]!.push(await contenders[turn]!.subject.fire());
  }
  return triggers;
}

async function sampleBroadcasts(contenders: Contender[], listeners: number, context: BenchContext): Promise<Measured[]> {
  // Whatever the joins set off (presence updates) drains before anything is timed.
  await delay(1_000);
  await interleavedTriggers(contenders, WARMUP_SAMPLES);
  await delay(PACE_MS);
  const stopProfiles = PROFILE ? await Promise.all(contenders.map(({ subject }) => startProfile(subject.server, context.tmpDir))) : undefined;
  let triggers: Trigger[][] = [];
  const cores = await coresOver(
    contenders.map(({ subject, fleet }) => ({ server: subject.server.pid, listeners: fleet.pids })),
    async () => {
      triggers = await interleavedTriggers(contenders, SAMPLES);
      // The last broadcast's stragglers.
      await delay(PACE_MS);
    },
  );
  const profiles = stopProfiles ? await Promise.all(stopProfiles.map((stop) => stop())) : undefined;
  return Promise.all(
    contenders.map(async ({ subject, fleet }, index) => {
      const own = triggers[index]!;
      const { receipts, step } = await fleet.collect(own.map((trigger) => trigger.version));
      const problem = await subject.settle?.(own);
      const fromMade: number[] = [];
      const fromOk: number[] = [];
      const fromSent: number[] = [];
      const wholeRoom: number[] = [];
      const firstListener: number[] = [];
      const fanOut: number[] = [];
      own.forEach((trigger, sample) => {
        const times = receipts.receivedAt[sample]!;
        if (times.length === 0) return;
        const first = Math.min(...times);
        for (const time of times) {
          if (trigger.madeAt !== undefined) fromMade.push(time - trigger.madeAt);
          fromOk.push(time - trigger.okAt);
          fromSent.push(time - trigger.sentAt);
          fanOut.push(time - first);
        }
        if (trigger.madeAt !== undefined) {
          wholeRoom.push(Math.max(...times) - trigger.madeAt);
          firstListener.push(first - trigger.madeAt);
        }
      });
      return {
        fromMade: distribution(fromMade),
        fromOk: distribution(fromOk),
        fromSent: distribution(fromSent),
        wholeRoom: distribution(wholeRoom),
        firstListener: distribution(firstListener),
        fanOut: distribution(fanOut),
        trigger: distribution(own.map((trigger) => trigger.okAt - trigger.sentAt)),
        delivered: receipts.receivedAt.reduce((sum, times) => sum + times.length, 0),
        expected: SAMPLES * listeners,
        dropped: step.dropped,
        cores: cores?.[index],
        problem,
        profile: profiles?.[index],
      };
    }),
  );
}

/** Brings the contender's room to `listeners`; says why not when it cannot. */
async function fillRoom({ subject, fleet }: Contender, listeners: number, context: BenchContext): Promise<BroadcastRun> {
  const { kind } = subject.server;
  context.log(`live, ${LABEL[kind]}: ${integer(listeners)} listeners connecting and joining`);
  const connect = await fleet.connect(subject.server.origin, listeners, STEP_DEADLINE_MS.connect);
  const join = await fleet.join(subject.questionId, STEP_DEADLINE_MS.joinListeners);
  const dropped = connect.dropped + join.dropped;
  if (connect.done !== listeners || join.done !== listeners || dropped > 0) {
    const why = [
      `${integer(connect.done)} connected`,
      `${integer(join.done)} joined in ${seconds(join)}${join.timedOut ? " (deadline)" : ""}`,
      ...(dropped > 0 ? [`${integer(dropped)} dropped by the server (${[...connect.dropReasons, ...join.dropReasons].join(", ")})`] : []),
      ...(connect.failed + join.failed > 0 ? [`${integer(connect.failed + join.failed)} failed: ${[...connect.errorSamples, ...join.errorSamples].slice(0, 2).join("; ")}`] : []),
    ].join(", ");
    context.log(`live, ${LABEL[kind]}: the room never held ${integer(listeners)} listeners: ${why}`);
    return { kind, listeners, connect, join, unfilled: why, measured: undefined };
  }
  context.log(`live, ${LABEL[kind]}: connected in ${seconds(connect)}, joined in ${seconds(join)}`);
  return { kind, listeners, connect, join, unfilled: undefined, measured: undefined };
}

async function broadcastRuns(contenders: Contender[], context: BenchContext): Promise<BroadcastRun[]> {
  const runs: BroadcastRun[] = [];
  let remaining = contenders;
  try {
    // The same sockets stay joined as a room grows: the larger size adds listeners to the smaller.
    for (const listeners of LISTENER_SIZES) {
      const filled: BroadcastRun[] = [];
      for (const contender of remaining) filled.push(await fillRoom(contender, listeners, context));
      runs.push(...filled);
      // A larger room would only fail the same way, slower.
      remaining = remaining.filter((_, index) => !filled[index]!.unfilled);
      const measuredRuns = filled.filter((run) => !run.unfilled);
      if (remaining.length === 0) break;
      context.log(`live: ${WARMUP_SAMPLES} warm-up + ${SAMPLES} broadcasts each, ${remaining.map(({ subject }) => LABEL[subject.server.kind]).join(" and ")} taking turns, one every ${PACE_MS} ms`);
      const measured = await sampleBroadcasts(remaining, listeners, context);
      measuredRuns.forEach((run, index) => (run.measured = measured[index]));
    }
  } finally {
    await Promise.all(contenders.map(({ fleet }) => fleet.disconnect()));
  }
  return runs;
}

/** What a reader arriving now is told about the room: the server's own view of who is left in it. */
async function presenceSeenByNewcomer(origin: string, questionId: string): Promise<number> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(origin, { path: SOCKET_PATH, transports: ["websocket"], reconnection: false, forceNew: true });
  try {
    const ack = await socket.timeout(10_000).emitWithAck("question:join", questionId);
    if (isJoinError(ack)) throw new Error(`the newcomer could not join: ${ack.error.message}`);
    return ack.presence;
  } finally {
    socket.disconnect();
  }
}

interface IdleRun {
  kind: Kind;
  before: ServerMemory;
  connect: FleetStep;
  /** Server CPU time the step took, in milliseconds. */
  connectCpuMs: number | undefined;
  /** As it stands, then after a forced GC. */
  connectedAsIs: ServerMemory;
  connected: ServerMemory;
  join: FleetStep;
  joinCpuMs: number | undefined;
  joined: ServerMemory;
  /** RSS left 10 s after every connection closed, before any forced collection. */
  afterWait: ServerMemory;
  afterGc: ServerMemory;
  presenceAfter: number;
}

async function measureIdle(server: LiveServer, questionId: string, fleet: ListenerFleet, context: BenchContext): Promise<IdleRun> {
  const { kind } = server;
  // A few connections first, so code paths loaded on first use count as baseline, not per connection.
  await fleet.connect(server.origin, 100, STEP_DEADLINE_MS.connect);
  await fleet.join(questionId, STEP_DEADLINE_MS.joinIdle);
  await fleet.disconnect();
  await delay(2_000);
  const before = await memoryOf(server, true);
  context.log(`live, ${LABEL[kind]}: ${IDLE_CONNECTIONS.toLocaleString("en-US")} idle connections`);
  const [connect, connectCpuMs] = await serverCpuOf(server, () => fleet.connect(server.origin, IDLE_CONNECTIONS, STEP_DEADLINE_MS.connect));
  const connectedAsIs = await memoryOf(server, false);
  const connected = await memoryOf(server, true);
  context.log(`live, ${LABEL[kind]}: ${integer(connect.done)} connected in ${seconds(connect)}; each joining one question`);
  const [join, joinCpuMs] = await serverCpuOf(server, () => fleet.join(questionId, STEP_DEADLINE_MS.joinIdle));
  const joined = await memoryOf(server, true);
  await fleet.disconnect();
  context.log(`live, ${LABEL[kind]}: all disconnected; waiting ${AFTER_DISCONNECT_WAIT_MS / 1000} s`);
  await delay(AFTER_DISCONNECT_WAIT_MS);
  const afterWait = await memoryOf(server, false);
  const afterGc = await memoryOf(server, true);
  const presenceAfter = await presenceSeenByNewcomer(server.origin, questionId);
  return { kind, before, connect, connectCpuMs, connectedAsIs, connected, join, joinCpuMs, joined, afterWait, afterGc, presenceAfter };
}

/** Runs a step and says how much CPU the server spent on it, including what it still did a second after. */
async function serverCpuOf<T>(server: LiveServer, step: () => Promise<T>): Promise<[T, number | undefined]> {
  const before = takeCpuSnapshot(server.pid);
  const result = await step();
  await delay(1_000);
  const after = takeCpuSnapshot(server.pid);
  return [result, before && after ? cpuSharesBetween(before, after).watched * (after.atMs - before.atMs) : undefined];
}

function broadcastMetrics(size: number, ours: BroadcastRun | undefined, bare: BroadcastRun | undefined): Metric[] {
  const listeners = integer(size);
  const floor = bare?.measured;
  const limit = floor ? TARGET.latencyRatio * floor.fromMade.p99 : undefined;
  const target = `p99 ≤ ${TARGET.latencyRatio} × the floor's${limit === undefined ? "" : ` (${ms(limit)})`}`;
  const notMeasured = (run: BroadcastRun | undefined) => (run?.unfilled ? `not measured: the room never filled (${run.unfilled})` : "not measured: a smaller room never filled");
  const metrics: Metric[] = [];
  if (ours?.measured) {
    const pass = limit === undefined ? undefined : ours.measured.fromMade.p99 <= limit;
    metrics.push(
      { name: `${listeners} listeners: Crowdline, commit → listener, p50 / p99 / max`, result: triple(ours.measured.fromMade), target, ...(pass === undefined ? {} : { pass }) },
      { name: `${listeners} listeners: Crowdline, save sent → listener, p50 / p99 / max`, result: triple(ours.measured.fromSent) },
      { name: `${listeners} listeners: Crowdline, save's 200 → listener, p50 / p99 / max`, result: triple(ours.measured.fromOk) },
    );
  } else {
    metrics.push({ name: `${listeners} listeners: Crowdline, commit → listener`, result: notMeasured(ours), target, pass: false });
  }
  if (floor) {
    metrics.push(
      { name: `${listeners} listeners: bare socket.io, emit → listener (the floor), p50 / p99 / max`, result: triple(floor.fromMade) },
      { name: `${listeners} listeners: bare socket.io, trigger's 200 → listener, p50 / p99 / max`, result: triple(floor.fromOk) },
    );
  } else {
    metrics.push({ name: `${listeners} listeners: bare socket.io`, result: notMeasured(bare) });
  }
  if (ours?.measured && floor) {
    // The same comparison without what precedes the fan-out (on Crowdline, the transaction's work
    // after its stamp and the publish path), so that a miss can be placed on one side or the other.
    const fanOutLimit = TARGET.latencyRatio * floor.fanOut.p99;
    metrics.push({
      name: `${listeners} listeners: fan-out alone (first listener → each), Crowdline / bare, p50 and p99`,
      result: `${ms(ours.measured.fanOut.p50)} / ${ms(floor.fanOut.p50)} and ${ms(ours.measured.fanOut.p99)} / ${ms(floor.fanOut.p99)}`,
      target: `p99 ≤ ${TARGET.latencyRatio} × bare's (${ms(fanOutLimit)})`,
      pass: ours.measured.fanOut.p99 <= fanOutLimit,
    });
  }
  for (const run of [ours, bare]) {
    if (!run?.measured) continue;
    const { delivered, expected, dropped, problem } = run.measured;
    metrics.push({
      name: `${listeners} listeners: ${LABEL[run.kind]}, broadcasts delivered`,
      result: `${integer(delivered)} of ${integer(expected)}${dropped > 0 ? `, ${integer(dropped)} listeners dropped` : ""}${problem ? ` (${problem})` : ""}`,
      target: "all",
      pass: delivered === expected && problem === undefined,
    });
  }
  return metrics;
}

function idleMetrics(run: IdleRun): Metric[] {
  const label = LABEL[run.kind];
  const perConnection = (memory: ServerMemory, key: "rss" | "heapUsed", count: number) => (memory[key] - run.before[key]) / Math.max(1, count);
  const connected = run.connect.done;
  const fullyConnected = connected === IDLE_CONNECTIONS;
  const fullyJoined = fullyConnected && run.join.done === connected;
  const cpuPer = (cpuMs: number | undefined, count: number) => (cpuMs === undefined || count === 0 ? "" : `, ${((1000 * cpuMs) / count).toFixed(0)} µs of server CPU each`);
  const verdict = (complete: boolean, bytes: number): Partial<Metric> =>
    run.kind === "ours" ? { target: `≤ ${kb(TARGET.bytesPerConnection)}`, ...(complete ? { pass: bytes <= TARGET.bytesPerConnection } : {}) } : {};
  const inNoRoom = perConnection(run.connected, "rss", connected);
  const inRoom = perConnection(run.joined, "rss", connected);
  return [
    {
      name: `${label}: ${integer(IDLE_CONNECTIONS)} idle connections, RSS before → with them (heap used)`,
      result: `${mb(run.before.rss)} → ${mb(run.connected.rss)} (${mb(run.before.heapUsed)} → ${mb(run.connected.heapUsed)}); ${integer(connected)} connected in ${seconds(run.connect)}${cpuPer(run.connectCpuMs, connected)}`,
    },
    {
      name: `${label}: per idle connection in no room, RSS (heap used), after a forced GC; before it`,
      result: fullyConnected
        ? `${kb(inNoRoom)} (${kb(perConnection(run.connected, "heapUsed", connected))}); ${kb(perConnection(run.connectedAsIs, "rss", connected))} (${kb(perConnection(run.connectedAsIs, "heapUsed", connected))})`
        : `only ${integer(connected)} connected: ${run.connect.errorSamples.join("; ")}`,
      ...verdict(fullyConnected, inNoRoom),
    },
    {
      name: `${label}: the same connections, each joining one question`,
      result: `${integer(run.join.done)} of ${integer(connected)} joined in ${seconds(run.join)}${run.join.timedOut ? " (no more started after the deadline)" : ""}${run.join.failed > 0 ? `, ${integer(run.join.failed)} failed: ${run.join.errorSamples.join("; ")}` : ""}${cpuPer(run.joinCpuMs, run.join.done)}; ${integer(run.join.presenceMessages)} presence messages reached the listeners meanwhile`,
    },
    {
      name: `${label}: per idle connection joined to one question, RSS (heap used), after a forced GC`,
      result: `${kb(inRoom)} (${kb(perConnection(run.joined, "heapUsed", connected))})${fullyJoined ? "" : `, with only ${integer(run.join.done)} joined: not a full measurement`}`,
      ...verdict(fullyJoined, inRoom),
    },
    {
      name: `${label}: after all disconnected, RSS ${AFTER_DISCONNECT_WAIT_MS / 1000} s later → after a forced GC (heap used)`,
      result: `${mb(run.afterWait.rss)} → ${mb(run.afterGc.rss)} (${mb(run.afterWait.heapUsed)} → ${mb(run.afterGc.heapUsed)}; heap ${run.afterGc.heapUsed - run.before.heapUsed >= 0 ? "+" : "−"}${mb(Math.abs(run.afterGc.heapUsed - run.before.heapUsed))} on the baseline)`,
    },
    ...(run.kind === "ours"
      ? [{ name: `${label}: room after all disconnected (presence a newcomer's join ack reports, itself included)`, result: integer(run.presenceAfter), target: "1", pass: run.presenceAfter === 1 }]
      : []),
  ];
}

function joinTable(runs: BroadcastRun[]): DetailTable {
  return {
    caption: "Filling the room before the broadcasts (listeners added to those already there; presence messages are those the listeners received while joining)",
    columns: ["server", "listeners", "connect", "join", "presence messages received", "dropped by the server"],
    rows: runs.map((run) => [
      LABEL[run.kind],
      integer(run.listeners),
      seconds(run.connect),
      `${seconds(run.join)}${run.join.timedOut ? ` (stopped at the deadline, ${integer(run.join.done)} in)` : ""}`,
      integer(run.join.presenceMessages),
      integer(run.connect.dropped + run.join.dropped),
    ]),
  };
}

function deliveryTable(runs: BroadcastRun[]): DetailTable {
  const cores = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(2));
  return {
    caption:
      "Where the time goes, per broadcast: the trigger (the save action, or `POST /emit`) from sent to 200, which includes handing the message to every socket; from the server's moment (Crowdline's commit stamp, the bare emit) to the first listener (what comes before the fan-out) and to the last (the whole room); and per listener, from the first listener's receipt to its own (the fan-out alone). Cores used over the measured window",
    columns: ["server", "listeners", "trigger p50 / max", "to the first listener p50 / max", "whole room p50 / p99 / max", "fan-out alone p50 / p99", "server cores", "listener processes' cores", "rest of the machine"],
    rows: runs
      .filter((run) => run.measured)
      .map(({ kind, listeners, measured }) => [
        LABEL[kind],
        integer(listeners),
        `${ms(measured!.trigger.p50)} / ${ms(measured!.trigger.max)}`,
        `${ms(measured!.firstListener.p50)} / ${ms(measured!.firstListener.max)}`,
        triple(measured!.wholeRoom),
        `${ms(measured!.fanOut.p50)} / ${ms(measured!.fanOut.p99)}`,
        cores(measured!.cores?.server),
        cores(measured!.cores?.listeners),
        cores(measured!.cores?.rest),
      ]),
  };
}

function profileTable(runs: BroadcastRun[]): DetailTable[] {
  const profiled = runs.filter((run) => run.measured?.profile).map((run) => ({ run, profile: run.measured!.profile! }));
  if (profiled.length === 0) return [];
  const places = new Set(profiled.flatMap(({ profile }) => top(profile.byPlace, 10).map(([place]) => place)));
  const share = (profile: ProfileSummary, value: number) => `${((100 * value) / profile.busyMs).toFixed(1)} %`;
  const ours = profiled.filter(({ run }) => run.kind === "ours").at(-1);
  return [
    {
      caption: "Server CPU over each measured window, self time by place, as a share of busy time (BENCH_CPU_PROFILE)",
      columns: ["place", ...profiled.map(({ run }) => `${LABEL[run.kind]}, ${integer(run.listeners)}`)],
      rows: [
        ["busy / window", ...profiled.map(({ profile }) => `${integer(profile.busyMs)} / ${integer(profile.windowMs)} ms`)],
        ...[...places].map((place) => [`\`${place}\``, ...profiled.map(({ profile }) => share(profile, profile.byPlace.get(place) ?? 0))]),
      ],
    },
    ...(ours
      ? [
          {
            caption: `Crowdline server with ${integer(ours.run.listeners)} listeners, top functions by self time over the measured window`,
            columns: ["function", "ms", "of busy time"],
            rows: top(ours.profile.byFunction, 15).map(([name, value]) => [`\`${name}\``, integer(value), share(ours.profile, value)]),
          },
        ]
      : []),
  ];
}

/** Where a missed latency target comes from, as far as the figures place it. */
function diagnosisNotes(runs: BroadcastRun[]): string[] {
  return LISTENER_SIZES.flatMap((size) => {
    const ours = runs.find((run) => run.kind === "ours" && run.listeners === size)?.measured;
    const bare = runs.find((run) => run.kind === "bare" && run.listeners === size)?.measured;
    if (!ours || !bare || ours.fromMade.p99 <= TARGET.latencyRatio * bare.fromMade.p99) return [];
    const fanOutWithin = ours.fanOut.p99 <= TARGET.latencyRatio * bare.fanOut.p99;
    return [
      `${integer(size)} listeners, target missed: ${fanOutWithin ? "the fan-out alone is within it" : "the fan-out alone misses it too"}; before the fan-out, the first listener had the version ${ms(ours.firstListener.p50)} after the commit stamp (p50; bare, after its emit: ${ms(bare.firstListener.p50)}), which is the save's transaction after its stamp (its writes and COMMIT) and the path from the commit to the emit.`,
    ];
  });
}

/** Whether encoding dominates: the question a leaner wire format would answer. */
function profileNotes(runs: BroadcastRun[]): string[] {
  const encoding = ["socket.io-parser", "engine.io-parser", "JSON.stringify", "JSON.parse"];
  return runs.flatMap(({ kind, listeners, measured }) => {
    const profile = measured?.profile;
    if (!profile) return [];
    const share = (places: string[]) => (100 * places.reduce((sum, place) => sum + (profile.byPlace.get(place) ?? 0), 0)) / profile.busyMs;
    return [`${LABEL[kind]}, ${integer(listeners)} listeners: \`writev\` (one system call per socket per message) ${share(["writev"]).toFixed(0)} % of the server's busy time; encoding (socket.io-parser, engine.io-parser, JSON) ${share(encoding).toFixed(1)} %.`];
  });
}

const BUSY_MACHINE_CORES = 0.25;

function busyMachineNote(runs: BroadcastRun[]): string[] {
  const busiest = Math.max(0, ...runs.map((run) => run.measured?.cores?.rest ?? 0));
  return busiest > BUSY_MACHINE_CORES
    ? [`**The machine was busy**: besides the server and the listeners, up to ${busiest.toFixed(2)} cores were in use during a measured window (the sender is a small part of it), so latencies are overstated; rerun on a quiet machine.`]
    : [];
}

function buildReport(broadcasts: BroadcastRun[], idle: IdleRun[]): BenchReport {
  const runOf = (kind: Kind, size: number) => broadcasts.find((run) => run.kind === kind && run.listeners === size);
  const metrics = [...LISTENER_SIZES.flatMap((size) => broadcastMetrics(size, runOf("ours", size), runOf("bare", size))), ...idle.flatMap(idleMetrics)];
  const notes = [
    `Servers: the app as built (\`node build/server.js\`, NODE_ENV=production, LOG_LEVEL=warn, a fresh SQLite database with the seed article, no Redis) and \`bench/bare-socketio-server.ts\` (socket.io ${packageVersion("socket.io")} on a plain http server: no Express, database, validation or presence; bundled with esbuild like the app), each in its own process group. Listeners: per server, ${LISTENER_PROCESSES} processes of \`bench/live-listeners.ts\` sharing its connections evenly; each socket is a socket.io-client on the websocket transport with the app's Origin, from a loopback address of its own. Servers, listeners and the sender share the machine's cores.`,
    `Broadcasts: both rooms are filled (1 000 listeners each, then 4 000 more), then after ${WARMUP_SAMPLES} unmeasured broadcasts each, ${SAMPLES} each, the two servers taking turns, one broadcast every ${PACE_MS} ms overall, each trigger waiting for the one before: both servers are measured over the same seconds, under the same conditions. On Crowdline each is a real save: \`POST /questions/<id>.data\` with \`intent=save\` and three whole percentages adding up to 100, the \`__Host-session\` cookie of one of 20 readers written into the database with the app's session hashing, and the server's Origin, on the seed article's scenarios question. On the bare server each is \`POST /emit\`, which emits a payload of the same shape to the room and then answers.`,
    "Clock points, all on this host: listeners, sender and bare server read `performance.timeOrigin + performance.now()` (the host's clock, sub-millisecond). *Commit* (Crowdline): the `createdAt` the forecast writer gives the version's AggregateSnapshot, a `Date` taken once the transaction has begun, before its writes and its COMMIT (whole milliseconds). *Emit* (bare): just before `io.to(room).emit`. *Sent*: the sender hands the request to its socket. *200*: the answer's status line reaches the sender. *Listener*: a listener's `question:aggregate` handler runs for that version (or a newer one). Each latency figure is over every (broadcast, listener) pair; the target compares Crowdline's commit → listener with the floor, the bare emit → listener.",
    "Reading the clock points: both servers hand the message to every socket before they answer (the save action publishes, then replies), so the 200 arrives after the fan-out and most listeners hold the version before the sender has its 200; \"200 → listener\" (negative for them) is therefore a lower bound of the time from commit, and \"commit → listener\", which also counts the transaction's own writes and COMMIT after the stamp, an upper bound: the truth lies between. \"Sent → listener\" is what a reader watching sees after another one saves: the whole save action plus the broadcast. The table below splits each broadcast into what comes before the fan-out (server moment → first listener) and the fan-out itself (first listener → each listener).",
    `Idle connections: a fresh server of each kind, started with \`--inspect\` so that the bench can read \`process.memoryUsage()\` and force a full GC through the inspector (\`bench/live-inspector.ts\`) without code in the server. Baseline after 100 connections came, joined and left; then ${integer(IDLE_CONNECTIONS)} connections in no room, then each joined to the seed question (a join stops being started after ${STEP_DEADLINE_MS.joinIdle / 1000} s), each reading taken after a forced GC. Per connection = (with − baseline) / ${integer(IDLE_CONNECTIONS)}; KB = 1 024 bytes. After all disconnect: RSS ${AFTER_DISCONNECT_WAIT_MS / 1000} s later as it stands, then after a forced GC; a newcomer joining the question must then be told presence 1 (itself).`,
    ...busyMachineNote(broadcasts),
    ...diagnosisNotes(broadcasts),
    ...profileNotes(broadcasts),
    ...(PROFILE
      ? ["Profiles: each server's CPU sampled through the inspector (1 ms) over exactly the measured broadcast window; the sampling costs a few per cent. `(program)` is native work outside JavaScript, such as the socket writes' system calls."]
      : ["Rerun with `BENCH_CPU_PROFILE=1` to add each server's CPU profile over the measured windows (where the time goes)."]),
  ];
  return { metrics, notes, details: [joinTable(broadcasts), deliveryTable(broadcasts), ...profileTable(broadcasts)] };
}

async function ourQuestion(db: Db): Promise<OurQuestion & { aggregateVersion: number }> {
  const question = await db.question.findFirstOrThrow({
    where: { kind: "scenarios", article: { slug: openVsClosedAi2026.slug } },
    select: { id: true, aggregateVersion: true, revealCrowd: true, scenarios: { orderBy: { position: "asc" }, select: { id: true } } },
  });
  if (question.revealCrowd !== "always") throw new Error(`the seed question ${question.id} hides its crowd, so nothing would be broadcast`);
  return { id: question.id, aggregateVersion: question.aggregateVersion, scenarioIds: question.scenarios.map((scenario) => scenario.id) };
}

/** A fresh database each time: the idle figures must not inherit the broadcasts' sessions and caches. */
async function withOurServer<T>(context: BenchContext, withInspector: boolean, use: (server: LiveServer, db: Db) => Promise<T>): Promise<T> {
  const databaseUrl = freshDatabaseUrl(context.tmpDir);
  const server = await startOurs(context, databaseUrl, withInspector);
  const db = createDb(databaseUrl);
  try {
    return await use(server, db);
  } finally {
    await server.stop();
    await db.$disconnect();
  }
}

async function withBareServer<T>(context: BenchContext, withInspector: boolean, use: (server: LiveServer) => Promise<T>): Promise<T> {
  const server = await startBare(context, withInspector);
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

export const liveBench: Bench = {
  id: "live",
  title: "Live layer (socket.io broadcasts and idle connections)",
  description:
    "How long a committed forecast takes to reach every reader watching its question, with 1 000 and 5 000 real socket.io listeners in separate processes, against a bare socket.io server with the same listeners and payload; and what idle connections cost the server in memory, 15 000 at once, and whether it gives it back when they leave.",
  async run(context) {
    // One set of listeners per server, so that both rooms stay full while their broadcasts take turns.
    const fleets = { ours: ListenerFleet.start(LISTENER_PROCESSES, context.tmpDir, IN_FLIGHT), bare: ListenerFleet.start(LISTENER_PROCESSES, context.tmpDir, IN_FLIGHT) };
    try {
      const broadcasts: BroadcastRun[] = [];
      const idle: IdleRun[] = [];

      context.log("live: starting the built server on a fresh database, and the bare socket.io server");
      const questionId = await withOurServer(context, PROFILE, (server, db) =>
        withBareServer(context, PROFILE, async (bare) => {
          const question = await ourQuestion(db);
          const readers = await createSignedInReaders(db, 20, "live");
          const ours = { subject: ourSubject(server, db, question, readers, question.aggregateVersion), fleet: fleets.ours };
          broadcasts.push(...(await broadcastRuns([ours, { subject: bareSubject(bare, question.id), fleet: fleets.bare }], context)));
          return question.id;
        }),
      );
      context.log("live: idle connections, the built server on another fresh database");
      await withOurServer(context, true, async (server, db) => {
        idle.push(await measureIdle(server, (await ourQuestion(db)).id, fleets.ours, context));
      });
      context.log("live: idle connections, the bare socket.io server");
      await withBareServer(context, true, async (bare) => {
        idle.push(await measureIdle(bare, questionId, fleets.ours, context));
      });
      return buildReport(broadcasts, idle);
    } finally {
      agent.destroy();
      await Promise.all([fleets.ours.stop(), fleets.bare.stop()]);
    }
  },
};
