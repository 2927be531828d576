// The live layer through real sockets on one instance: rooms, coalescing, who sees hidden crowds,
// resync after a reconnect, abuse, shutdown. Several instances: realtime-instances.test.ts.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { getDb } from "~/db.server";
import { forgetCachedSessionsOf } from "~/models/session.server";
import { BROADCAST_WINDOW_MS, MAX_ROOMS_PER_CONNECTION, type QuestionSnapshot } from "~/realtime/contract";
import { seedDatabase } from "../prisma/seeding";
import type { CrowdlineServer } from "./app";
import {
  capturedLogger,
  connectClient,
  createQuestion,
  disconnectClients,
  disconnected,
  join,
  loadRemixBuild,
  nextEvent,
  recordEvents,
  roundTrip,
  sampleAggregate,
  saveForecast,
  signUp,
  startServer,
  type ClientSocket,
  type TestQuestion,
} from "./realtime-testing";

let server: CrowdlineServer;
let origin: string;
const logs = capturedLogger();
let remixBuild: Awaited<ReturnType<typeof loadRemixBuild>>;

beforeAll(async () => {
  remixBuild = await loadRemixBuild();
  await seedDatabase(getDb());
  ({ server, origin } = await startServer({ remixBuild, logger: logs.logger }));
});

afterAll(async () => {
  disconnectClients();
  await server.close();
});

const snapshotOf = async (socket: ClientSocket, questionId: string) => (await join(socket, questionId)) as QuestionSnapshot;

/** A reader who can see the question's crowd, joined: broadcasts reaching it prove the server sent them. */
async function witness(questionId: string) {
  const socket = await connectClient(origin);
  await join(socket, questionId);
  return socket;
}

/** Publishes a synthetic change directly, as the action does after a commit. */
function publish(question: TestQuestion, version: number, options: { changes?: number; forecaster?: string; via?: CrowdlineServer } = {}) {
  (options.via ?? server).realtime.publishAggregate({
    questionId: question.id,
    version,
    aggregate: sampleAggregate(Math.min(0.99, version / 1_000)),
    changes: options.changes ?? 1,
    revealCrowd: "always",
    forecasterUserId: options.forecaster ?? "someone",
  });
}

/** Proves that a broadcast still reaches an ordinary reader: the server is up and others are unaffected. */
async function expectBroadcastsStillFlow() {
  const question = await createQuestion();
  const bystander = await witness(question.id);
  const received = nextEvent(bystander, "question:aggregate");
  publish(question, 1);
  expect(await received).toMatchObject({ questionId: question.id, version: 1 });
}

describe("joining a question", () => {
  it("answers with the snapshot: version, aggregate, baseline, presence", async () => {
    const scenarioQuestion = await getDb().question.findFirstOrThrow({ where: { kind: "scenarios" } });
    const socket = await connectClient(origin);
    expect(await join(socket, scenarioQuestion.id)).toEqual({
      questionId: scenarioQuestion.id,
      version: 0,
      aggregate: null,
      baseline: [0.45, 0.4, 0.15],
      presence: 1,
    });
  });

  it("tells readers already in the room when someone joins, leaves or disconnects", async () => {
    const question = await createQuestion();
    const first = await connectClient(origin);
    const second = await connectClient(origin);
    await join(first, question.id);
    const two = nextEvent(first, "question:presence", ({ count }) => count === 2);
    expect((await snapshotOf(second, question.id)).presence).toBe(2);
    expect(await two).toEqual({ questionId: question.id, count: 2 });

    const one = nextEvent(first, "question:presence", ({ count }) => count === 1);
    second.emit("question:leave", question.id);
    expect(await one).toEqual({ questionId: question.id, count: 1 });

    const third = await connectClient(origin);
    const backToTwo = nextEvent(first, "question:presence", ({ count }) => count === 2);
    await join(third, question.id);
    await backToTwo;
    const backToOne = nextEvent(first, "question:presence", ({ count }) => count === 1);
    third.disconnect();
    await backToOne;
  });

  it("does not join a question left before its join completed", async () => {
    const question = await createQuestion();
    const socket = await connectClient(origin);
    const answer = join(socket, question.id);
    socket.emit("question:leave", question.id);
    expect(await answer).toMatchObject({ questionId: question.id });
    const rooms = server.realtime.io.sockets.sockets.get(socket.id!)!.rooms;
    expect([...rooms].filter((room) => room.includes(question.id))).toEqual([]);
    // Joining again works as usual.
    await join(socket, question.id);
    expect([...rooms].filter((room) => room.includes(question.id)).sort()).toEqual([`question:${question.id}`, `question:${question.id}:crowd`]);
  });

  it.each([
    ["an unknown id", "doesnotexist", "question_not_found"],
    ["an empty id", "", "invalid_question_id"],
    ["a number", 42, "invalid_question_id"],
    ["an object", { $ne: null }, "invalid_question_id"],
    ["an over-long id", "x".repeat(10_000), "invalid_question_id"],
    ["an id with a room separator", "abc:crowd", "invalid_question_id"],
  ])("answers a join with %s with an error and keeps the connection", async (_label, questionId, code) => {
    const question = await createQuestion();
    const socket = await connectClient(origin);
    expect(await join(socket, questionId)).toMatchObject({ error: { code, message: expect.any(String) } });
    expect(socket.connected).toBe(true);
    expect((await snapshotOf(socket, question.id)).questionId).toBe(question.id);
  });
});

describe("coalesced broadcasts", () => {
  it("sends a change to a quiet question at once and folds a burst of 200 into a few messages", async () => {
    const question = await createQuestion();
    const reader = await witness(question.id);
    const received = recordEvents(reader, "question:aggregate");
    const last = nextEvent(reader, "question:aggregate", ({ version }) => version === 200);
    const startedAt = performance.now();
    for (let version = 1; version <= 200; version++) {
      // Each group commit is reported once per forecast it holds: three here, one `changes` count.
      for (const forecaster of ["a", "b", "c"]) publish(question, version, { changes: 3, forecaster });
    }
    await last;
    expect(received.length).toBeLessThanOrEqual(3);
    expect(received[0]).toMatchObject({ version: 1, changes: 3 });
    expect(received.at(-1)).toMatchObject({ questionId: question.id, version: 200, aggregate: sampleAggregate(0.2) });
    expect(received.reduce((sum, event) => sum + event.changes, 0)).toBe(600);
    // The burst's end waits for the window, not for anything else.
    expect(performance.now() - startedAt).toBeLessThan(BROADCAST_WINDOW_MS * 20);
  });

  it("never sends a version at or below one already sent", async () => {
    const question = await createQuestion();
    const reader = await witness(question.id);
    const received = recordEvents(reader, "question:aggregate");
    publish(question, 5);
    publish(question, 3);
    publish(question, 5);
    const six = nextEvent(reader, "question:aggregate", ({ version }) => version === 6);
    publish(question, 6);
    await six;
    publish(question, 4);
    await roundTrip(reader);
    expect(received.map((event) => event.version)).toEqual([5, 6]);
  });

  it("delivers a forecast saved through the action to an anonymous reader within a window", async () => {
    const question = await createQuestion();
    const reader = await witness(question.id);
    const before = (await snapshotOf(reader, question.id)).version;
    const { cookie } = await signUp(origin);
    const received = nextEvent(reader, "question:aggregate");
    await saveForecast(origin, cookie, question, 70);
    const event = await received;
    expect(event.version).toBeGreaterThan(before);
    expect(event.aggregate.count).toBe(1);
    expect(event.aggregate.centers[0]).toBeCloseTo(0.7);
  });
});

describe("hidden crowds, per socket (decision 010)", () => {
  it("keeps a hide-until-forecast crowd from a signed-in reader until their own first forecast, then shows it in every tab", async () => {
    const question = await createQuestion({ revealCrowd: "after_forecast" });
    const early = await signUp(origin);
    await saveForecast(origin, early.cookie, question, 80);
    const earlySocket = await connectClient(origin, { cookie: early.cookie });
    expect((await snapshotOf(earlySocket, question.id)).aggregate).not.toBeNull();

    const reader = await signUp(origin);
    const tab = await connectClient(origin, { cookie: reader.cookie });
    const otherTab = await connectClient(origin, { cookie: reader.cookie });
    const anonymous = await connectClient(origin);
    for (const socket of [tab, otherTab, anonymous]) expect((await snapshotOf(socket, question.id)).aggregate).toBeNull();
    const seenByTab = recordEvents(tab, "question:aggregate");
    const seenByAnonymous = recordEvents(anonymous, "question:aggregate");

    // Someone else's save reaches the early forecaster, and not the others: their round trips come
    // after the server has sent it to everyone it was going to.
    const earlySees = nextEvent(earlySocket, "question:aggregate");
    await saveForecast(origin, early.cookie, question, 75);
    await earlySees;
    await Promise.all([roundTrip(tab), roundTrip(anonymous)]);
    expect(seenByTab).toEqual([]);
    expect(seenByAnonymous).toEqual([]);

    const inTab = nextEvent(tab, "question:aggregate");
    const inOtherTab = nextEvent(otherTab, "question:aggregate");
    await saveForecast(origin, reader.cookie, question, 40);
    const [first, second] = await Promise.all([inTab, inOtherTab]);
    expect(first).toEqual(second);
    expect(first.aggregate.count).toBe(2);

    // From now on they are in the crowd's room; the anonymous reader still is not.
    const next = nextEvent(tab, "question:aggregate", ({ version }) => version > first.version);
    await saveForecast(origin, early.cookie, question, 70);
    await next;
    await roundTrip(anonymous);
    expect(seenByAnonymous).toEqual([]);
    expect((await snapshotOf(tab, question.id)).aggregate).not.toBeNull();
  });

  it("honours a reader's own preference on an ordinary question", async () => {
    const question = await createQuestion();
    const reader = await signUp(origin);
    await getDb().user.update({ where: { id: reader.userId }, data: { hideCrowdUntilForecast: true } });
    forgetCachedSessionsOf(reader.userId);
    const socket = await connectClient(origin, { cookie: reader.cookie });
    const anonymous = await witness(question.id);
    expect((await snapshotOf(socket, question.id)).aggregate).toBeNull();
    const seen = recordEvents(socket, "question:aggregate");

    const other = await signUp(origin);
    const anonymousSees = nextEvent(anonymous, "question:aggregate");
    await saveForecast(origin, other.cookie, question, 60);
    await anonymousSees;
    await roundTrip(socket);
    expect(seen).toEqual([]);

    const revealed = nextEvent(socket, "question:aggregate");
    await saveForecast(origin, reader.cookie, question, 30);
    expect((await revealed).aggregate.count).toBe(2);
  });

  it("stops sending to readers who may no longer see it when an author starts hiding the crowd", async () => {
    const question = await createQuestion();
    const forecaster = await signUp(origin);
    await saveForecast(origin, forecaster.cookie, question, 55);
    const forecasterSocket = await connectClient(origin, { cookie: forecaster.cookie });
    const anonymous = await witness(question.id);
    await join(forecasterSocket, question.id);
    const seenByAnonymous = recordEvents(anonymous, "question:aggregate");

    await getDb().question.update({ where: { id: question.id }, data: { revealCrowd: "after_forecast" } });
    const forecasterSees = nextEvent(forecasterSocket, "question:aggregate");
    await saveForecast(origin, forecaster.cookie, question, 45);
    await forecasterSees;
    await roundTrip(anonymous);
    expect(seenByAnonymous).toEqual([]);
  });

  it("treats a socket whose session ended as anonymous from its next join", async () => {
    const question = await createQuestion({ revealCrowd: "after_forecast" });
    const reader = await signUp(origin);
    await saveForecast(origin, reader.cookie, question, 65);
    const socket = await connectClient(origin, { cookie: reader.cookie });
    expect((await snapshotOf(socket, question.id)).aggregate).not.toBeNull();
    await getDb().session.deleteMany({ where: { userId: reader.userId } });
    forgetCachedSessionsOf(reader.userId);
    expect((await snapshotOf(socket, question.id)).aggregate).toBeNull();
  });

  it("reads sessions without writing: neither extends an old one nor deletes an expired one", async () => {
    const reader = await signUp(origin);
    const question = await createQuestion({ revealCrowd: "after_forecast" });
    await saveForecast(origin, reader.cookie, question, 50);
    const dayAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await getDb().session.updateMany({ where: { userId: reader.userId }, data: { lastSeenAt: dayAgo } });
    forgetCachedSessionsOf(reader.userId);
    const before = await getDb().session.findFirstOrThrow({ where: { userId: reader.userId } });
    const socket = await connectClient(origin, { cookie: reader.cookie });
    expect((await snapshotOf(socket, question.id)).aggregate).not.toBeNull();
    expect(await getDb().session.findFirstOrThrow({ where: { userId: reader.userId } })).toEqual(before);

    await getDb().session.updateMany({ where: { userId: reader.userId }, data: { expiresAt: dayAgo } });
    forgetCachedSessionsOf(reader.userId);
    const expired = await connectClient(origin, { cookie: reader.cookie });
    expect((await snapshotOf(expired, question.id)).aggregate).toBeNull();
    expect(await getDb().session.count({ where: { userId: reader.userId } })).toBe(1);
  });
});

describe("resync after a reconnect", () => {
  it("gives a client that lost its connection a fresh snapshot with the newest version when it joins again", async () => {
    const question = await createQuestion();
    const { cookie } = await signUp(origin);
    await saveForecast(origin, cookie, question, 20);
    const socket = await connectClient(origin, { reconnection: true });
    const first = await snapshotOf(socket, question.id);

    // The connection drops (the server's end of it closes, as a network failure would look);
    // while it is away the crowd moves.
    const dropped = disconnected(socket);
    server.realtime.io.sockets.sockets.get(socket.id!)!.conn.close();
    expect(await dropped).toBe("transport close");
    await saveForecast(origin, cookie, question, 90);
    const back = await new Promise<QuestionSnapshot>((resolve) => {
      socket.once("connect", async () => resolve(await snapshotOf(socket, question.id)));
    });
    expect(back.version).toBeGreaterThan(first.version);
    expect(back.version).toBe((await getDb().question.findUniqueOrThrow({ where: { id: question.id } })).aggregateVersion);
    expect(back.aggregate?.centers[0]).toBeCloseTo(0.9);
  });

  it("never answers a join with an older version than the room has been sent", async () => {
    const question = await createQuestion();
    const reader = await witness(question.id);
    const sent = nextEvent(reader, "question:aggregate");
    // A version the database has not seen: only the room's latest message knows it.
    publish(question, 41);
    await sent;
    const late = await connectClient(origin);
    expect(await snapshotOf(late, question.id)).toMatchObject({ version: 41, aggregate: sampleAggregate(0.041) });
  });
});

describe("abuse: the offender is refused or dropped, the server and everyone else carry on", () => {
  it("refuses the handshake with 403 when the Origin is another site's", async () => {
    const handshake = (headers: Record<string, string>) => fetch(`${origin}/socket.io/?EIO=4&transport=polling`, { headers });
    expect((await handshake({ origin: "https://evil.example" })).status).toBe(403);
    expect((await handshake({ origin })).status).toBe(200);
  });

  it("ignores unknown events", async () => {
    const socket = await connectClient(origin);
    const answered = vi.fn();
    (socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit("admin:drop-tables", { all: true }, answered);
    await roundTrip(socket);
    expect(answered).not.toHaveBeenCalled();
    expect(socket.connected).toBe(true);
  });

  it(`answers too_many_rooms beyond ${MAX_ROOMS_PER_CONNECTION} questions on one connection`, async () => {
    const roomy = await startServer({ realtime: { eventLimits: { perSecond: 10_000, burst: 10_000 } } });
    try {
      const questions = await Promise.all(Array.from({ length: MAX_ROOMS_PER_CONNECTION + 1 }, () => createQuestion()));
      const socket = await connectClient(roomy.origin);
      const acks = await Promise.all(questions.map((question) => join(socket, question.id)));
      expect(acks.filter((ack) => "error" in ack)).toEqual([{ error: { code: "too_many_rooms", message: expect.any(String) } }]);
      // Rejoining one already joined is a resync, not a new room; leaving one frees a place.
      const joined = questions.filter((_question, index) => !("error" in acks[index]!));
      const refused = questions.find((_question, index) => "error" in acks[index]!)!;
      expect(await join(socket, joined[0]!.id)).toMatchObject({ questionId: joined[0]!.id });
      socket.emit("question:leave", joined[1]!.id);
      expect(await join(socket, refused.id)).toMatchObject({ questionId: refused.id });
    } finally {
      await roomy.server.close();
    }
  });

  it("answers rate_limited past the burst and keeps the connection of a client that stops there", async () => {
    const question = await createQuestion();
    const socket = await connectClient(origin);
    const acks = await Promise.all(Array.from({ length: 60 }, () => join(socket, question.id)));
    const limited = acks.filter((ack) => "error" in ack && ack.error.code === "rate_limited");
    expect(limited.length).toBeGreaterThanOrEqual(15);
    expect(acks.length - limited.length).toBeGreaterThanOrEqual(40);
    expect(socket.connected).toBe(true);
    await expectBroadcastsStillFlow();
  });

  it("disconnects a connection that floods 10 000 events", async () => {
    const socket = await connectClient(origin);
    const dropped = disconnected(socket);
    for (let i = 0; i < 10_000; i++) socket.emit("question:leave", "flood");
    expect(await dropped).toBe("io server disconnect");
    await expectBroadcastsStillFlow();
  });

  it("disconnects a client that sends a 1 MB message", async () => {
    const socket = await connectClient(origin);
    const dropped = disconnected(socket);
    socket.emit("question:join", "x".repeat(1024 * 1024), () => undefined);
    expect(await dropped).toBe("transport close");
    await expectBroadcastsStillFlow();
  });

  it("drops a client that never answers pings", async () => {
    const captured = capturedLogger();
    const quick = await startServer({ logger: captured.logger, realtime: { pingIntervalMs: 50, pingTimeoutMs: 50 } });
    try {
      // A raw Engine.IO peer that opens a socket.io session and then never says anything again.
      const url = `${quick.origin.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`;
      const peer = new WebSocket(url, { headers: { origin: quick.origin } });
      const pinged = new Promise<void>((resolve) => peer.on("message", (data) => String(data) === "2" && resolve()));
      peer.on("message", (data) => String(data).startsWith("0") && peer.send("40"));
      const closed = new Promise<void>((resolve) => peer.on("close", () => resolve()));
      await pinged;
      await closed;
      expect(captured.lines).toContainEqual(expect.objectContaining({ msg: "socket disconnected", reason: "ping timeout" }));
    } finally {
      await quick.server.close();
    }
  });
});

describe("logging", () => {
  it("logs one line per connection and per disconnect with its reason, never the session token", async () => {
    const { cookie } = await signUp(origin);
    const socket = await connectClient(origin, { cookie });
    const socketId = socket.id;
    const linesOf = () => logs.lines.filter((line) => line.socket === socketId);
    socket.disconnect();
    await vi.waitFor(() => expect(linesOf()).toHaveLength(2));
    expect(linesOf()).toEqual([
      expect.objectContaining({ msg: "socket connected", user: expect.any(String), transport: "websocket" }),
      expect.objectContaining({ msg: "socket disconnected", reason: "client namespace disconnect" }),
    ]);
    const token = cookie.split("=")[1]!;
    expect(logs.raw.some((line) => line.includes(token))).toBe(false);
  });
});

describe("memory", () => {
  it("holds no per-question state once every socket has gone", async () => {
    const own = await startServer({ remixBuild });
    const questions = await Promise.all([createQuestion(), createQuestion({ revealCrowd: "after_forecast" })]);
    const { cookie } = await signUp(own.origin);
    const sockets = await Promise.all(Array.from({ length: 20 }, (_, index) => connectClient(own.origin, index % 2 ? { cookie } : {})));
    for (const socket of sockets) for (const question of questions) await join(socket, question.id);
    publish(questions[0]!, 1, { via: own.server });
    const { io } = own.server.realtime;
    // Each socket's own room, two question rooms, one crowd room, one user room.
    expect(io.sockets.adapter.rooms.size).toBe(20 + 2 + 1 + 1);
    for (const socket of sockets) socket.disconnect();
    await vi.waitFor(() => expect(io.sockets.sockets.size).toBe(0));
    expect(io.sockets.adapter.rooms.size).toBe(0);
    // Presence settles at the end of its window; everything else went with the last socket.
    await vi.waitFor(() => expect(own.server.realtime.tracked()).toEqual({ presence: 0, crowdRooms: 0, broadcastWindows: 0 }), { timeout: 3_000 });
    await own.server.close();
  });
});

describe("shutdown", () => {
  it("tells every socket to reconnect after a short random delay, then closes it", async () => {
    const closing = await startServer({ realtime: { reconnectSpreadMs: 2_000 } });
    const question = await createQuestion();
    const sockets = await Promise.all([connectClient(closing.origin), connectClient(closing.origin)]);
    await join(sockets[0]!, question.id);
    const events = sockets.map((socket) => {
      const seen: string[] = [];
      let delay: number | undefined;
      socket.on("server:restarting", ({ reconnectAfterMs }) => {
        seen.push("server:restarting");
        delay = reconnectAfterMs;
      });
      return { seen, delay: () => delay, gone: disconnected(socket).then((reason) => seen.push(`disconnect: ${reason}`)) };
    });
    await closing.server.close();
    await Promise.all(events.map((event) => event.gone));
    for (const event of events) {
      expect(event.seen).toEqual(["server:restarting", "disconnect: io server disconnect"]);
      expect(event.delay()).toBeGreaterThanOrEqual(0);
      expect(event.delay()).toBeLessThanOrEqual(2_000);
    }
    expect(closing.server.httpServer.listening).toBe(false);
    await expect(connectClient(closing.origin)).rejects.toThrow();
  });

  it("lets a request in flight finish before close() resolves", async () => {
    const closing = await startServer({ remixBuild });
    const { username, password } = await signUp(closing.origin);
    const body = new URLSearchParams({ identifier: username, password }).toString();
    const arrived = new Promise<void>((resolve) => closing.server.httpServer.once("request", () => resolve()));
    const request = http.request(`${closing.origin}/login`, {
      method: "POST",
      headers: { origin: closing.origin, "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      request.once("response", (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.once("error", reject);
    });
    // Half the body now, the rest once the server is closing: the action is still reading it.
    request.write(body.slice(0, 10));
    await arrived;
    let closed = false;
    const closingDone = closing.server.close().then(() => (closed = true));
    request.end(body.slice(10));
    // Signed in: the whole body was read and answered after close() began.
    expect(await answered).toBe(302);
    await closingDone;
    expect(closed).toBe(true);
  });
});
