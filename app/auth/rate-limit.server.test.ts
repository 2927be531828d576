import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisSkipReason } from "../../test/test-database";
import { createAuthRateLimits, type AuthRateLimits, type RateLimitVerdict } from "./rate-limit.server";

const LIMIT = 10;
const suffix = () => randomBytes(4).toString("hex");

function expectRefused(verdict: RateLimitVerdict) {
  expect(verdict.allowed).toBe(false);
  if (verdict.allowed) return;
  expect(verdict.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(verdict.retryAfterSeconds).toBeLessThanOrEqual(60);
}

/** The same behaviour, whichever store backs the limits. */
function describeLimits(makeLimits: () => AuthRateLimits) {
  it("allows 10 attempts a minute and refuses the 11th with a Retry-After", async () => {
    const limits = makeLimits();
    const ip = `198.51.100.${suffix()}`;
    const account = `alice_${suffix()}`;
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      expect(await limits.consume("login", ip, account)).toEqual({ allowed: true });
    }
    expectRefused(await limits.consume("login", ip, account));
  });

  it("limits one IP across many account names", async () => {
    const limits = makeLimits();
    const ip = `198.51.100.${suffix()}`;
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      expect((await limits.consume("login", ip, `victim_${attempt}_${suffix()}`)).allowed).toBe(true);
    }
    expectRefused(await limits.consume("login", ip, `victim_new_${suffix()}`));
    // Another machine may still try that fresh account.
    expect((await limits.consume("login", `203.0.113.${suffix()}`, `victim_other_${suffix()}`)).allowed).toBe(true);
  });

  it("limits one account name across many IPs", async () => {
    const limits = makeLimits();
    const account = `target_${suffix()}`;
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      expect((await limits.consume("login", `203.0.113.${attempt}.${suffix()}`, account)).allowed).toBe(true);
    }
    expectRefused(await limits.consume("login", `203.0.113.new.${suffix()}`, account));
  });

  it("counts login and sign-up separately", async () => {
    const limits = makeLimits();
    const ip = `192.0.2.${suffix()}`;
    const account = `bob_${suffix()}`;
    for (let attempt = 1; attempt <= LIMIT; attempt++) await limits.consume("login", ip, account);
    expectRefused(await limits.consume("login", ip, account));
    expect(await limits.consume("signup", ip, account)).toEqual({ allowed: true });
  });

  it("treats account names case-insensitively", async () => {
    const limits = makeLimits();
    const account = `carol_${suffix()}`;
    const spellings = [account, account.toUpperCase(), `${account[0]?.toUpperCase()}${account.slice(1)}`];
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      const verdict = await limits.consume("login", `192.0.2.${attempt}.${suffix()}`, spellings[attempt % 3] as string);
      expect(verdict.allowed).toBe(true);
    }
    expectRefused(await limits.consume("login", `192.0.2.new.${suffix()}`, account.toUpperCase()));
  });
}

describe("auth rate limits in memory", () => {
  describeLimits(() => createAuthRateLimits({ attemptsPerMinute: LIMIT }));

  it("keeps separate counts in separate instances (which is why several instances need Redis)", async () => {
    const a = createAuthRateLimits({ attemptsPerMinute: LIMIT });
    const b = createAuthRateLimits({ attemptsPerMinute: LIMIT });
    for (let attempt = 1; attempt <= LIMIT; attempt++) await a.consume("login", "192.0.2.1", "dave");
    expectRefused(await a.consume("login", "192.0.2.1", "dave"));
    expect((await b.consume("login", "192.0.2.1", "dave")).allowed).toBe(true);
  });
});

describe.skipIf(redisSkipReason())("auth rate limits in Redis", () => {
  type RedisClient = ReturnType<typeof createClient>;
  const clients: RedisClient[] = [];
  const connect = async () => {
    const client = createClient({ url: process.env.TEST_REDIS_URL });
    await client.connect();
    clients.push(client);
    return client;
  };
  let shared: RedisClient;

  beforeAll(async () => {
    shared = await connect();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  describeLimits(() => createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: shared }));

  it("shares one count between instances: 6 on A and 5 on B refuse the 11th", async () => {
    const a = createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: await connect() });
    const b = createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: await connect() });
    const ip = `198.51.100.shared.${suffix()}`;
    const account = `erin_${suffix()}`;
    for (let attempt = 1; attempt <= 6; attempt++) expect((await a.consume("login", ip, account)).allowed).toBe(true);
    for (let attempt = 1; attempt <= 4; attempt++) expect((await b.consume("login", ip, account)).allowed).toBe(true);
    expectRefused(await b.consume("login", ip, account));
    expectRefused(await a.consume("login", ip, account));
  });

  it("keeps its counts in Redis, under the crowdline: prefix", async () => {
    const limits = createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: shared });
    const ip = `198.51.100.keys.${suffix()}`;
    await limits.consume("signup", ip, `frank_${suffix()}`);
    const keys = await shared.keys(`crowdline:signup-ip*${ip}`);
    expect(keys).toHaveLength(1);
  });

  it("keeps deployments with different prefixes apart: each counts only its own attempts", async () => {
    const prefix = (name: string) => `crowdline-${name}-${suffix()}`;
    const [staging, production] = [prefix("staging"), prefix("production")];
    const a = createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: shared, redisPrefix: staging });
    const b = createAuthRateLimits({ attemptsPerMinute: LIMIT, redis: shared, redisPrefix: production });
    const ip = `198.51.100.prefix.${suffix()}`;
    const account = `gina_${suffix()}`;
    for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await a.consume("login", ip, account)).allowed).toBe(true);
    expectRefused(await a.consume("login", ip, account));
    expect((await b.consume("login", ip, account)).allowed).toBe(true);
    expect(await shared.keys(`${staging}:login-ip*${ip}`)).toHaveLength(1);
    expect(await shared.keys(`crowdline:login-ip*${ip}`)).toHaveLength(0);
  });
});
