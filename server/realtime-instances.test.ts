// The live layer across instances sharing one Redis: aggregates saved on one reach readers on
// another, presence is the sum over instances, a closing instance stops counting at once and a
// dead one's count is ignored once stale. First two instances in this process on one SQLite file
// (Redis only), then PostgreSQL with the second instance a real `server/index.ts` process.
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, getDb, type Db } from "~/db.server";
import type { QuestionSnapshot } from "~/realtime/contract";
import { seedDatabase } from "../prisma/seeding";
import { postgresSkipReason, redisSkipReason } from "../test/test-database";
import type { CrowdlineServer } from "./app";
import { PRESENCE_STALE_MS } from "./realtime-presence";
import {
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
  startInstanceProcess,
  startServer,
} from "./realtime-testing";

const redisUrl = process.env.TEST_REDIS_URL as string;
const snapshotOf = async (socket: Awaited<ReturnType<typeof connectClient>>, questionId: string) => (await join(socket, questionId)) as QuestionSnapshot;

afterAll(() => disconnectClients());

describe.skipIf(redisSkipReason())("two instances on one SQLite file, one Redis", () => {
  let a: { server: CrowdlineServer; origin: string };
  let b: { server: CrowdlineServer; origin: string };
  const redisPrefix = `crowdline-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    const remixBuild = await loadRemixBuild();
    await seedDatabase(getDb());
    a = await startServer({ remixBuild, redisUrl, redisPrefix });
    b = await startServer({ remixBuild, redisUrl, redisPrefix });
  });

  afterAll(async () => {
    await Promise.all([a?.server.close(), b?.server.close()]);
  });

  it("delivers a forecast saved through the action on A to readers on both, with a higher version", async () => {
    const question = await createQuestion();
    const onB = await connectClient(b.origin);
    const onA = await connectClient(a.origin);
    const before = (await snapshotOf(onB, question.id)).version;
    await join(onA, question.id);
    const { cookie } = await signUp(a.origin);
    const received = Promise.all([nextEvent(onB, "question:aggregate"), nextEvent(onA, "question:aggregate")]);
    await saveForecast(a.origin, cookie, question, 35);
    const [fromB, fromA] = await received;
    expect(fromB.version).toBeGreaterThan(before);
    expect(fromB).toEqual(fromA);
    expect(fromB.aggregate.centers[0]).toBeCloseTo(0.35);
  });

  it("folds a burst published on A into a few messages on B", async () => {
    const question = await createQuestion();
    const onB = await connectClient(b.origin);
    await join(onB, question.id);
    const received = recordEvents(onB, "question:aggregate");
    const last = nextEvent(onB, "question:aggregate", ({ version }) => version === 200);
    for (let version = 1; version <= 200; version++) {
      a.server.realtime.publishAggregate({ questionId: question.id, version, aggregate: sampleAggregate(0.5), changes: 1, revealCrowd: "always", forecasterUserId: "x" });
    }
    await last;
    expect(received.length).toBeLessThanOrEqual(3);
    expect(received.reduce((sum, event) => sum + event.changes, 0)).toBe(200);
  });

  it("counts readers on both instances, and forgets a closed instance's at once", async () => {
    const c = await startServer({ redisUrl, redisPrefix });
    const question = await createQuestion();
    const onA = await connectClient(a.origin);
    const onC = await connectClient(c.origin);
    expect((await snapshotOf(onA, question.id)).presence).toBe(1);
    const aSeesTwo = nextEvent(onA, "question:presence", ({ count }) => count === 2);
    const cSeesTwo = nextEvent(onC, "question:presence", ({ count }) => count === 2);
    const cAck = await snapshotOf(onC, question.id);
    await aSeesTwo;
    // C's ack may already count A's reader; if not, the announcement that follows does.
    if (cAck.presence !== 2) await cSeesTwo;

    const aSeesOne = nextEvent(onA, "question:presence", ({ count }) => count === 1);
    await c.server.close();
    await aSeesOne;
  });

  it("ignores the count of an instance that stopped refreshing it", async () => {
    const question = await createQuestion();
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    try {
      const key = `${redisPrefix}:presence:question:${question.id}`;
      await redis.hSet(key, { alive: `5:${Date.now()}`, dead: `7:${Date.now() - PRESENCE_STALE_MS - 1_000}` });
      await redis.pExpire(key, 60_000);
      const reader = await connectClient(b.origin);
      expect((await snapshotOf(reader, question.id)).presence).toBe(1 + 5);
    } finally {
      await redis.quit();
    }
  });

  it("shows a hidden crowd to a reader on B once they forecast through A", async () => {
    const question = await createQuestion({ revealCrowd: "after_forecast" });
    const reader = await signUp(a.origin);
    const onB = await connectClient(b.origin, { cookie: reader.cookie });
    const anonymousOnB = await connectClient(b.origin);
    expect((await snapshotOf(onB, question.id)).aggregate).toBeNull();
    await join(anonymousOnB, question.id);
    const seenByAnonymous = recordEvents(anonymousOnB, "question:aggregate");
    const revealed = nextEvent(onB, "question:aggregate");
    await saveForecast(a.origin, reader.cookie, question, 60);
    expect((await revealed).aggregate.count).toBe(1);
    await roundTrip(anonymousOnB);
    expect(seenByAnonymous).toEqual([]);
  });
});

describe.skipIf(redisSkipReason() ?? postgresSkipReason())("two instances, two processes, one PostgreSQL database, one Redis", () => {
  let previousDb: Db | undefined;
  let ownDb: Db;
  let a: { server: CrowdlineServer; origin: string };
  let b: Awaited<ReturnType<typeof startInstanceProcess>>;

  beforeAll(async () => {
    const postgresUrl = inject("postgresUrl") as string;
    ownDb = createDb(postgresUrl);
    await seedDatabase(ownDb);
    // Instance A is this process: its Remix routes read the process-wide client, so that is the
    // PostgreSQL one while these tests run. Instance B has its own process and its own client.
    previousDb = globalThis.__crowdlineDb;
    globalThis.__crowdlineDb = ownDb;
    // The one prefix `server/index.ts` uses when REDIS_PREFIX is unset.
    a = await startServer({ db: ownDb, remixBuild: await loadRemixBuild(), redisUrl, redisPrefix: "crowdline" });
    b = await startInstanceProcess({ DATABASE_URL: postgresUrl, REDIS_URL: redisUrl });
  }, 60_000);

  afterAll(async () => {
    b?.child.kill("SIGKILL");
    await a?.server.close();
    globalThis.__crowdlineDb = previousDb;
    await ownDb?.$disconnect();
  });

  it("carries forecasts saved on either instance to readers on the other, versions rising", async () => {
    const question = await createQuestion({}, ownDb);
    const onA = await connectClient(a.origin);
    const onB = await connectClient(b.origin);
    const start = (await snapshotOf(onB, question.id)).version;
    await join(onA, question.id);

    const viaA = await signUp(a.origin, ownDb);
    const reachesB = nextEvent(onB, "question:aggregate");
    await saveForecast(a.origin, viaA.cookie, question, 30);
    const first = await reachesB;
    expect(first.version).toBeGreaterThan(start);

    const viaB = await signUp(b.origin, ownDb);
    const reachesA = nextEvent(onA, "question:aggregate", ({ version }) => version > first.version);
    await saveForecast(b.origin, viaB.cookie, question, 50);
    const second = await reachesA;
    expect(second.aggregate.count).toBe(2);
    expect(second.version).toBe((await ownDb.question.findUniqueOrThrow({ where: { id: question.id } })).aggregateVersion);
  });

  it("counts readers on both, and on SIGTERM the other instance tells its sockets to reconnect and exits 0", async () => {
    const question = await createQuestion({}, ownDb);
    const onA = await connectClient(a.origin);
    const onB = await connectClient(b.origin);
    await join(onA, question.id);
    const aSeesTwo = nextEvent(onA, "question:presence", ({ count }) => count === 2);
    await join(onB, question.id);
    await aSeesTwo;

    const restarting = nextEvent(onB, "server:restarting");
    const gone = disconnected(onB);
    const aSeesOne = nextEvent(onA, "question:presence", ({ count }) => count === 1);
    b.child.kill("SIGTERM");
    expect((await restarting).reconnectAfterMs).toBeGreaterThanOrEqual(0);
    expect(await gone).toBe("io server disconnect");
    await aSeesOne;
    expect(await b.exited).toBe(0);
  });
});
