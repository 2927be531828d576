import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, getDb } from "~/db.server";
import type { ClientToServerEvents, JoinAck, QuestionSnapshot, ServerToClientEvents } from "~/realtime/contract";
import { seedDatabase } from "../prisma/seeding";
import { redisSkipReason } from "../test/test-database";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const logger = pino({ level: "silent" });

async function start(options: Partial<Parameters<typeof createCrowdlineServer>[0]> = {}) {
  const server = await createCrowdlineServer({ db: getDb(), logger, allowedOrigins: [], mode: "test", ...options });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

function connectClient(origin: string): Promise<ClientSocket> {
  const socket: ClientSocket = connect(origin, { transports: ["websocket"], extraHeaders: { origin }, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

const join = (socket: ClientSocket, questionId: unknown) => socket.timeout(5_000).emitWithAck("question:join", questionId);

let server: CrowdlineServer;
let origin: string;
let scenarioQuestionId: string;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  await seedDatabase(getDb());
  const question = await getDb().question.findFirstOrThrow({ where: { kind: "scenarios" } });
  scenarioQuestionId = question.id;
  ({ server, origin } = await start());
});

afterAll(async () => {
  sockets.forEach((socket) => socket.disconnect());
  await server.close();
});

describe("/healthz", () => {
  it("answers 200 once the database answers", async () => {
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, db: "ok" });
  });

  it("answers 503 when the database does not", async () => {
    const unreachable = createDb("postgresql://nobody@127.0.0.1:1/nowhere");
    const broken = await start({ db: unreachable });
    try {
      const response = await fetch(`${broken.origin}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ ok: false, db: "unavailable" });
    } finally {
      await broken.server.close();
    }
  });
});

describe("socket.io", () => {
  it("joins a question room and receives its snapshot", async () => {
    const socket = await connectClient(origin);
    sockets.push(socket);
    const ack = (await join(socket, scenarioQuestionId)) as QuestionSnapshot;
    expect(ack).toEqual({
      questionId: scenarioQuestionId,
      version: 0,
      aggregate: null,
      baseline: [0.45, 0.4, 0.15],
      presence: 1,
    });
  });

  it("tells readers already in the room when someone joins", async () => {
    const first = await connectClient(origin);
    const second = await connectClient(origin);
    sockets.push(first, second);
    await join(first, scenarioQuestionId);
    const presence = new Promise((resolve) => first.once("question:presence", resolve));
    const secondAck = (await join(second, scenarioQuestionId)) as QuestionSnapshot;
    expect(secondAck.presence).toBeGreaterThanOrEqual(2);
    expect(await presence).toEqual({ questionId: scenarioQuestionId, count: secondAck.presence });
  });

  it("tells the room when a reader leaves or disconnects", async () => {
    const staying = await connectClient(origin);
    const leaving = await connectClient(origin);
    sockets.push(staying);
    await join(staying, scenarioQuestionId);
    const before = ((await join(leaving, scenarioQuestionId)) as QuestionSnapshot).presence;
    const afterDisconnect = new Promise((resolve) => staying.once("question:presence", resolve));
    leaving.disconnect();
    expect(await afterDisconnect).toEqual({ questionId: scenarioQuestionId, count: before - 1 });
  });

  it.each([
    ["an unknown id", "doesnotexist", "question_not_found"],
    ["a number", 42, "invalid_question_id"],
    ["an object", { $ne: null }, "invalid_question_id"],
    ["an over-long id", "x".repeat(10_000), "invalid_question_id"],
  ])("answers a join with %s with an error object and keeps the connection", async (_label, questionId, code) => {
    const socket = await connectClient(origin);
    sockets.push(socket);
    const ack = (await join(socket, questionId)) as JoinAck;
    expect(ack).toMatchObject({ error: { code, message: expect.any(String) } });
    expect(socket.connected).toBe(true);
    const retry = (await join(socket, scenarioQuestionId)) as QuestionSnapshot;
    expect(retry.questionId).toBe(scenarioQuestionId);
  });

  it("refuses the handshake with 403 when the Origin is another site's", async () => {
    const handshake = (headers: Record<string, string>) => fetch(`${origin}/socket.io/?EIO=4&transport=polling`, { headers });
    expect((await handshake({ origin: "https://evil.example" })).status).toBe(403);
    expect((await handshake({ origin })).status).toBe(200);
  });

  it("delivers a published aggregate to the question's room", async () => {
    const socket = await connectClient(origin);
    sockets.push(socket);
    await join(socket, scenarioQuestionId);
    const received = new Promise((resolve) => socket.once("question:aggregate", resolve));
    const aggregate = { method: "median" as const, centers: [0.5, 0.3, 0.2], lower: [0.4, 0.2, 0.1], upper: [0.6, 0.4, 0.3], count: 3 };
    server.realtime.publishAggregate({ questionId: scenarioQuestionId, version: 1, aggregate, changes: 1, revealCrowd: "always", forecasterUserId: "someone" });
    expect(await received).toEqual({ questionId: scenarioQuestionId, version: 1, aggregate, changes: 1 });
  });
});

describe.skipIf(redisSkipReason())("socket.io across instances (Redis adapter)", () => {
  it("delivers an aggregate published on one instance to a reader on another", async () => {
    const redisUrl = process.env.TEST_REDIS_URL as string;
    const a = await start({ redisUrl });
    const b = await start({ redisUrl });
    try {
      const reader = await connectClient(b.origin);
      sockets.push(reader);
      await join(reader, scenarioQuestionId);
      const received = new Promise((resolve) => reader.once("question:aggregate", resolve));
      const aggregate = { method: "mean" as const, centers: [0.4, 0.4, 0.2], lower: [0.4, 0.4, 0.2], upper: [0.4, 0.4, 0.2], count: 1 };
      a.server.realtime.publishAggregate({ questionId: scenarioQuestionId, version: 7, aggregate, changes: 1, revealCrowd: "always", forecasterUserId: "someone" });
      expect(await received).toEqual({ questionId: scenarioQuestionId, version: 7, aggregate, changes: 1 });
    } finally {
      await Promise.all([a.server.close(), b.server.close()]);
    }
  });
});
