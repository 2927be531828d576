import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export type RateLimitedAction = "login" | "signup";

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface AuthRateLimits {
  /** Counts one attempt at `action` from `ip` on `accountName`; refuses beyond the limit. */
  consume(action: RateLimitedAction, ip: string, accountName: string): Promise<RateLimitVerdict>;
}

/** Prefix of the counters' Redis keys unless the deployment sets REDIS_PREFIX. */
export const DEFAULT_REDIS_PREFIX = "crowdline";

/** A per-minute budget in memory, or in Redis (shared by every instance) with memory standing in should Redis fail. */
function perMinuteLimiter(keyPrefix: string, points: number, redis: unknown, redisPrefix = DEFAULT_REDIS_PREFIX): RateLimiterAbstract {
  const settings = { points, duration: 60, keyPrefix: `${redisPrefix}:${keyPrefix}` };
  if (!redis) return new RateLimiterMemory(settings);
  return new RateLimiterRedis({
    ...settings,
    storeClient: redis,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(settings),
  });
}

export interface AuthRateLimitOptions {
  attemptsPerMinute: number;
  /** A connected node-redis client; limits are then shared by every instance. */
  redis?: unknown;
  /** REDIS_PREFIX: counters are shared by the instances that share it, and only by them. */
  redisPrefix?: string;
}

/**
 * Login and sign-up attempts, limited per IP (one machine guessing many accounts) and per
 * account name (many machines guessing one account). Memory by default; Redis when the app runs
 * as several instances, with a memory limiter standing in should Redis fail.
 */
export function createAuthRateLimits(options: AuthRateLimitOptions): AuthRateLimits {
  const limiter = (keyPrefix: string) => perMinuteLimiter(keyPrefix, options.attemptsPerMinute, options.redis, options.redisPrefix);
  const limiters = {
    login: { ip: limiter("login-ip"), account: limiter("login-account") },
    signup: { ip: limiter("signup-ip"), account: limiter("signup-account") },
  };

  return {
    async consume(action, ip, accountName) {
      const { ip: byIp, account: byAccount } = limiters[action];
      const outcomes = await Promise.allSettled([byIp.consume(ip), byAccount.consume(accountName.toLowerCase() || "(empty)")]);
      let retryAfterMs = 0;
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") continue;
        if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
        retryAfterMs = Math.max(retryAfterMs, outcome.reason.msBeforeNext);
      }
      return retryAfterMs > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : { allowed: true };
    },
  };
}

export interface PerUserLimit {
  /** Counts one action by `userId`; refuses beyond the limit. */
  consume(userId: string): Promise<RateLimitVerdict>;
}

/** So many actions of one kind per signed-in user per minute (comments: 5). */
export function createPerUserLimit(options: { keyPrefix: string; perMinute: number; redis?: unknown; redisPrefix?: string }): PerUserLimit {
  const limiter = perMinuteLimiter(options.keyPrefix, options.perMinute, options.redis, options.redisPrefix);
  return {
    async consume(userId) {
      try {
        await limiter.consume(userId);
        return { allowed: true };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      }
    },
  };
}
