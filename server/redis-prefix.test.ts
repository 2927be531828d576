// Two deployments on one Redis, told apart by REDIS_PREFIX: neither counts the other's log-in
// attempts nor hears the other's broadcasts, while instances sharing a prefix do both. Each
// deployment here is two servers in this process, on this file's SQLite database.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { seedDatabase } from "../prisma/seeding";
import { redisSkipReason } from "../test/test-database";
import type { CrowdlineServer } from "./app";
import { connectClient, createQuestion, disconnectClients, join, loadRemixBuild, nextEvent, recordEvents, sampleAggregate, startServer } from "./realtime-testing";

const LIMIT = 3;

describe.skipIf(redisSkipReason())("REDIS_PREFIX keeps deployments on one Redis apart", () => {
  const redisUrl = process.env.TEST_REDIS_URL as string;
  const run = randomUUID().slice(0, 8);
  type Instance = { server: CrowdlineServer; origin: string };
  // Deployment "blue" has instances blue1 and blue2; "green" has green1 and green2.
  let blue1: Instance, blue2: Instance, green1: Instance, green2: Instance;

  beforeAll(async () => {
    const remixBuild = await loadRemixBuild();
    await seedDatabase(getDb());
    const start = (deployment: string) =>
      // TRUST_PROXY, so that each test's client address is its own (Redis keeps counts for a minute).
      startServer({ remixBuild, redisUrl, redisPrefix: `crowdline-${deployment}-${run}`, authAttemptsPerMinute: LIMIT, trustProxy: true });
    [blue1, blue2, green1, green2] = await Promise.all([start("blue"), start("blue"), start("green"), start("green")]);
  });

  afterAll(async () => {
    disconnectClients();
    await Promise.all([blue1, blue2, green1, green2].map((instance) => instance?.server.close()));
  });

  const attempt = (instance: Instance, identifier: string, forwardedFor: string) =>
    fetch(`${instance.origin}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: instance.origin, "X-Forwarded-For": forwardedFor },
      body: new URLSearchParams({ identifier, password: "a wrong guess" }),
      redirect: "manual",
    });

  it("counts log-in attempts per deployment: blue's limit reached leaves green's untouched", async () => {
    const forwardedFor = `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 250)).join(".")}`;
    const identifier = `prefix_target_${run}`;
    for (let n = 1; n <= LIMIT; n++) expect((await attempt(n % 2 ? blue1 : blue2, identifier, forwardedFor)).status).toBe(400);
    // The instances of one deployment share the count...
    expect((await attempt(blue2, identifier, forwardedFor)).status).toBe(429);
    expect((await attempt(blue1, identifier, forwardedFor)).status).toBe(429);
    // ...and the other deployment has counted none of it.
    for (let n = 1; n <= LIMIT; n++) expect((await attempt(green1, identifier, forwardedFor)).status).toBe(400);
    expect((await attempt(green2, identifier, forwardedFor)).status).toBe(429);
  });

  it("carries broadcasts to the instances of the same deployment only", async () => {
    const question = await createQuestion();
    const onBlue2 = await connectClient(blue2.origin);
    const onGreen1 = await connectClient(green1.origin);
    await join(onBlue2, question.id);
    await join(onGreen1, question.id);
    const heardOnGreen1 = recordEvents(onGreen1, "question:aggregate");
    const publish = (instance: Instance, version: number) =>
      instance.server.realtime.publishAggregate({ questionId: question.id, version, aggregate: sampleAggregate(0.4), changes: 1, revealCrowd: "always", forecasterUserId: "x" });

    const blueArrives = nextEvent(onBlue2, "question:aggregate");
    publish(blue1, 5);
    expect((await blueArrives).version).toBe(5);
    // Green's own message through Redis, published after blue's had gone out to every subscriber:
    // had green1 been subscribed to blue's channel, blue's message would have reached it first.
    const greenArrives = nextEvent(onGreen1, "question:aggregate", ({ version }) => version === 6);
    publish(green2, 6);
    await greenArrives;
    expect(heardOnGreen1.map(({ version }) => version)).toEqual([6]);
  });
});

