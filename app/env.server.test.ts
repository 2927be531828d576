import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.server";

describe("parseEnv", () => {
  it("has defaults that work on a laptop", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ nodeEnv: "development", port: 3000, host: "0.0.0.0", redisUrl: undefined, allowedOrigins: [] });
    // Reads only the source it is given, not the process environment.
    expect(env.database.url).toMatch(/data\/crowdline\.db$/);
  });
  it("treats empty variables as unset", () => {
    expect(parseEnv({ PORT: "", REDIS_URL: "" }).port).toBe(3000);
  });
  it.each([
    [{ PORT: "abc" }, /Invalid setting PORT/],
    [{ PORT: "70000" }, /Invalid setting PORT: PORT must be between 0 and 65535/],
    [{ DATABASE_URL: "mysql://x/y" }, /Invalid setting DATABASE_URL/],
    [{ REDIS_URL: "localhost:6379" }, /Invalid setting REDIS_URL/],
    [{ ALLOWED_ORIGINS: "https://ok.example, https://bad.example/path" }, /Invalid setting ALLOWED_ORIGINS/],
    [{ NODE_ENV: "staging" }, /Invalid setting NODE_ENV/],
    [{ REDIS_PREFIX: "two words" }, /Invalid setting REDIS_PREFIX: REDIS_PREFIX must be 1 to 64/],
    [{ REDIS_PREFIX: "x".repeat(65) }, /Invalid setting REDIS_PREFIX/],
    [{ REDIS_PREFIX: "crowdline*" }, /Invalid setting REDIS_PREFIX/],
    [{ LOAD_SHED_DELAY_MS: "-1" }, /Invalid setting LOAD_SHED_DELAY_MS/],
    [{ LOAD_SHED_DELAY_MS: "fast" }, /Invalid setting LOAD_SHED_DELAY_MS/],
    [{ WORKERS: "0" }, /Invalid setting WORKERS: WORKERS must be auto or a number/],
    [{ WORKERS: "all" }, /Invalid setting WORKERS/],
    [{ WORKERS: "2" }, /Invalid setting WORKERS: several worker processes need REDIS_URL/],
    [{ WORKERS: "2", REDIS_URL: "redis://127.0.0.1:6379" }, /Invalid setting WORKERS: several worker processes need a PostgreSQL DATABASE_URL/],
  ])("names the setting that is wrong: %o", (source, message) => {
    expect(() => parseEnv(source)).toThrow(ConfigError);
    expect(() => parseEnv(source)).toThrow(message);
  });
  it("keeps Redis keys under crowdline unless REDIS_PREFIX says otherwise", () => {
    expect(parseEnv({}).redisPrefix).toBe("crowdline");
    expect(parseEnv({ REDIS_PREFIX: "" }).redisPrefix).toBe("crowdline");
    expect(parseEnv({ REDIS_PREFIX: "crowdline-staging:eu.1" }).redisPrefix).toBe("crowdline-staging:eu.1");
    expect(parseEnv({ REDIS_PREFIX: "p".repeat(64) }).redisPrefix).toHaveLength(64);
  });
  it("sheds load past 150 ms of event-loop delay unless LOAD_SHED_DELAY_MS says otherwise (0: never)", () => {
    expect(parseEnv({}).loadShedDelayMs).toBe(150);
    expect(parseEnv({ LOAD_SHED_DELAY_MS: "0" }).loadShedDelayMs).toBe(0);
    expect(parseEnv({ LOAD_SHED_DELAY_MS: "250" }).loadShedDelayMs).toBe(250);
  });
  it("runs one process unless WORKERS asks for a number of them, or one per core (auto)", () => {
    const shared = { REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "postgresql://app@127.0.0.1:5432/app" };
    expect(parseEnv({}).workers).toBeUndefined();
    expect(parseEnv({ WORKERS: "" }).workers).toBeUndefined();
    expect(parseEnv({ ...shared, WORKERS: "3" }).workers).toBe(3);
    expect(parseEnv({ ...shared, WORKERS: "auto" }, 6).workers).toBe(6);
  });
  it("reads a list of embedding origins", () => {
    expect(parseEnv({ ALLOWED_ORIGINS: "https://a.example, https://b.example" }).allowedOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });
});
