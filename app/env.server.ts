import { availableParallelism } from "node:os";
import { z } from "zod";
import { DatabaseUrlError, resolveDatabaseUrl, type ResolvedDatabase } from "../prisma/database-url";

export class ConfigError extends Error {}

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce
    .number({ invalid_type_error: "PORT must be a number" })
    .int("PORT must be a whole number")
    .min(0, "PORT must be between 0 and 65535")
    .max(65535, "PORT must be between 0 and 65535")
    .default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "REDIS_URL must look like redis://127.0.0.1:6379")
    .optional(),
  // Keys and channels live under it: two deployments on one Redis must not share counts or messages.
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "REDIS_PREFIX must be 1 to 64 letters, digits or _ . : -")
    .default("crowdline"),
  ALLOWED_ORIGINS: z.string().default(""),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, "TRUST_PROXY must be false, true or the number of proxies in front of the app")
    .default("false"),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ invalid_type_error: "AUTH_RATE_LIMIT_PER_MINUTE must be a number" })
    .int("AUTH_RATE_LIMIT_PER_MINUTE must be a whole number")
    .min(1, "AUTH_RATE_LIMIT_PER_MINUTE must be at least 1")
    .default(10),
  COMMENT_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ invalid_type_error: "COMMENT_RATE_LIMIT_PER_MINUTE must be a number" })
    .int("COMMENT_RATE_LIMIT_PER_MINUTE must be a whole number")
    .min(1, "COMMENT_RATE_LIMIT_PER_MINUTE must be at least 1")
    .default(5),
  // Event-loop delay past which page renders get 503 + Retry-After (server/load-shedding.ts); 0 turns it off.
  LOAD_SHED_DELAY_MS: z.coerce
    .number({ invalid_type_error: "LOAD_SHED_DELAY_MS must be a number" })
    .int("LOAD_SHED_DELAY_MS must be a whole number of milliseconds")
    .min(0, "LOAD_SHED_DELAY_MS must be 0 (off) or more")
    .max(60_000, "LOAD_SHED_DELAY_MS must be at most 60000")
    .default(150),
  // Unset: one process (`npm start`). A number or `auto` (one per core): a primary process that
  // forks that many workers sharing the port (server/workers.ts, decision 017).
  WORKERS: z
    .string()
    .regex(/^(auto|[1-9]\d?)$/, "WORKERS must be auto or a number of processes from 1 to 99")
    .optional(),
});

export interface Env {
  nodeEnv: "development" | "production" | "test";
  port: number;
  host: string;
  database: ResolvedDatabase;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel; the instances of one deployment share it, other deployments must not. */
  redisPrefix: string;
  /** Origins other than the app's own that may open a socket or send a form (embeds). */
  allowedOrigins: string[];
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  /** Express's "trust proxy": whether client addresses come from X-Forwarded-For (rate limits key on them). */
  trustProxy: boolean | number;
  /** Login and sign-up attempts allowed per minute, per IP and per account name. */
  authAttemptsPerMinute: number;
  /** Comments (and replies) one user may post per minute. */
  commentsPerMinute: number;
  /** Event-loop delay (ms) past which renders are refused with 503; 0 when load shedding is off. */
  loadShedDelayMs: number;
  /** Worker processes to fork (WORKERS); undefined runs the one process of `npm start`. */
  workers: number | undefined;
}

/** Parses the environment once; throws a ConfigError whose message names the bad setting. */
export function parseEnv(source: Record<string, string | undefined> = process.env, cores: number = availableParallelism()): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid setting ${issue?.path.join(".")}: ${issue?.message}`);
  }
  let database: ResolvedDatabase;
  try {
    database = resolveDatabaseUrl(parsed.data.DATABASE_URL);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(`Invalid setting DATABASE_URL: ${error.message}`);
    throw error;
  }
  const allowedOrigins = parsed.data.ALLOWED_ORIGINS.split(",").map((origin) => origin.trim()).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`Invalid setting ALLOWED_ORIGINS: "${origin}" is not an origin like https://example.com`);
    }
  }
  const workers = parseWorkers(parsed.data.WORKERS, cores);
  if (workers !== undefined) {
    // In-process pub/sub, rate limits and session revocations would stay inside one worker.
    if (!parsed.data.REDIS_URL) throw new ConfigError("Invalid setting WORKERS: several worker processes need REDIS_URL (they share sockets, rate limits and sign-outs through Redis)");
    // Workers writing one SQLite file would contend for its lock on every write, each wait
    // stalling a worker's thread (libSQL is synchronous): decision 017.
    if (database.provider !== "postgresql") throw new ConfigError("Invalid setting WORKERS: several worker processes need a PostgreSQL DATABASE_URL (they cannot share one SQLite file for writing)");
  }
  return {
    nodeEnv: parsed.data.NODE_ENV,
    port: parsed.data.PORT,
    host: parsed.data.HOST,
    database,
    redisUrl: parsed.data.REDIS_URL,
    redisPrefix: parsed.data.REDIS_PREFIX,
    allowedOrigins,
    logLevel: parsed.data.LOG_LEVEL,
    trustProxy: parseTrustProxy(parsed.data.TRUST_PROXY),
    authAttemptsPerMinute: parsed.data.AUTH_RATE_LIMIT_PER_MINUTE,
    commentsPerMinute: parsed.data.COMMENT_RATE_LIMIT_PER_MINUTE,
    loadShedDelayMs: parsed.data.LOAD_SHED_DELAY_MS,
    workers,
  };
}

function parseWorkers(value: string | undefined, cores: number): number | undefined {
  if (value === undefined) return undefined;
  return value === "auto" ? cores : Number(value);
}

function parseTrustProxy(value: string): boolean | number {
  if (value === "true") return true;
  if (value === "false") return false;
  return Number(value);
}
