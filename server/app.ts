import { createServer, type Server as HttpServer } from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { Db } from "~/db.server";
import { createClient } from "redis";
import { warmUpPasswordHashing } from "~/auth/password.server";
import { DEFAULT_REDIS_PREFIX, createAuthRateLimits, createPerUserLimit } from "~/auth/rate-limit.server";
import { sessionCookieSettings } from "~/auth/session.server";
import { projectRoot } from "../prisma/database-url";
import { mutationGuard } from "./mutation-guard";
import { createLoadShedder, type LoadShedder, type LoadSheddingOptions } from "./load-shedding";
import { createPageCache } from "./page-cache";
import { privateResponses } from "./private-responses";
import { createRealtime, type Realtime, type RealtimeOptions } from "./realtime";
import { hostValidation, methodAllowList } from "./request-edges";
import { securityHeaders } from "./security-headers";
import { sessionMiddleware } from "./session-middleware";
import { relaySessionRevocations } from "./session-revocation-relay";

export interface AppOptions {
  db: Db;
  logger: Logger;
  allowedOrigins: readonly string[];
  redisUrl?: string;
  /**
   * REDIS_PREFIX (default `crowdline`): the socket.io channel, presence keys, rate-limit counters
   * and session revocations of this deployment live under it. Instances of one deployment share it.
   */
  redisPrefix?: string;
  /** The Remix build, or a function returning the current one (development rebuilds). */
  remixBuild?: ServerBuild | (() => Promise<ServerBuild>);
  mode: "development" | "production" | "test";
  /** Express's "trust proxy" (TRUST_PROXY). */
  trustProxy?: boolean | number;
  /** Login and sign-up attempts per minute, per IP and per account name. */
  authAttemptsPerMinute?: number;
  /** Comments one user may post per minute (default 5). */
  commentsPerMinute?: number;
  /** Socket tuning: heartbeat, event limits, restart spread (server/realtime.ts). */
  realtime?: Pick<RealtimeOptions, "pingIntervalMs" | "pingTimeoutMs" | "eventLimits" | "reconnectSpreadMs">;
  /** How long close() lets in-flight requests finish before cutting their connections (default 10 s). */
  drainTimeoutMs?: number;
  /**
   * Refuse renders (and, later, writes) with 503 + Retry-After while the event loop is behind
   * (server/load-shedding.ts, decision 016). Off unless given: tests share a busy machine.
   */
  loadShedding?: LoadSheddingOptions;
}

export interface CrowdlineServer {
  httpServer: HttpServer;
  realtime: Realtime;
  /** Present when load shedding is on (`loadShedding`): its current delay, for tests and logs. */
  loadShedder?: LoadShedder;
  /**
   * Graceful stop: no new connections, every socket told `server:restarting` and closed, in-flight
   * requests finished (or cut after `drainTimeoutMs`), the server's own Redis connections closed.
   * The database client is the caller's.
   */
  close(): Promise<void>;
}

/** Wires Express, the Remix handler and socket.io onto one http server; does not listen. */
export async function createCrowdlineServer(options: AppOptions): Promise<CrowdlineServer> {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", options.trustProxy ?? false);
  // First of all: nothing below (page cache, session, Remix) gets a Host it cannot parse or a
  // method no page of ours sends.
  app.use(hostValidation(), methodAllowList());
  app.use(securityHeaders({ mode: options.mode }));
  const httpServer = createServer(app);
  const cookieSettings = sessionCookieSettings(options.mode);
  const redisPrefix = options.redisPrefix ?? DEFAULT_REDIS_PREFIX;
  const realtime = await createRealtime(httpServer, {
    ...options.realtime,
    allowedOrigins: options.allowedOrigins,
    logger: options.logger,
    redisUrl: options.redisUrl,
    redisPrefix,
    sessionCookie: cookieSettings,
  });

  app.use(
    pinoHttp({
      logger: options.logger,
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === "/healthz" },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.get("/healthz", async (_req, res) => {
    try {
      // A database that hangs must fail the probe rather than hang it.
      await Promise.race([
        options.db.$queryRawUnsafe("SELECT 1"),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error("no answer within 2 s")), 2_000).unref()),
      ]);
      res.status(200).json({ ok: true, db: "ok" });
    } catch (error) {
      options.logger.warn({ err: (error as Error).message }, "health check: database unavailable");
      res.status(503).json({ ok: false, db: "unavailable" });
    }
  });

  // Before compression, so that it stores (and replays) the compressed bytes. Off in development,
  // where a page must show each edit at once.
  // The shedder runs later in the chain (after static files) but the cache asks it whether a
  // stale copy may be refreshed now.
  const loadShedder = options.loadShedding ? createLoadShedder(options.loadShedding) : undefined;
  if (options.mode !== "development") app.use(createPageCache({ rendersRefused: () => loadShedder?.rendersRefused() ?? false }).middleware);
  app.use(mutationGuard({ allowedOrigins: options.allowedOrigins }));
  app.use(
    compression({
      // Action answers are a few hundred bytes, streamed without a length (so the 1 KB threshold
      // cannot tell); a gzip stream per forecast save cost more CPU than the save's own SQL.
      filter: (req, res) => req.method !== "POST" && compression.filter(req, res),
    }),
  );
  // Remix flushes after every chunk React streams, and compression's flush ends a deflate block
  // each time: a page of threads came out ~5x larger than gzip makes it (296 KB vs 58 KB). Our
  // pages render in one pass (no deferred data), so the early bytes a flush buys are not worth it.
  app.use((_req, res, next) => {
    (res as { flush?: () => void }).flush = undefined;
    next();
  });

  // Fingerprinted by the Remix compiler, so they can be cached for good.
  app.use("/build", express.static(path.join(projectRoot, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(projectRoot, "public"), { maxAge: "1h" }));

  const rateLimitRedis = options.redisUrl ? createClient({ url: options.redisUrl }) : undefined;
  if (rateLimitRedis) {
    rateLimitRedis.on("error", (error: Error) => options.logger.error({ err: error.message }, "redis connection error (rate limits)"));
    await rateLimitRedis.connect();
  }
  // Publishes on the rate limits' connection; listens on one of its own.
  const revocations = rateLimitRedis && (await relaySessionRevocations({ redis: rateLimitRedis, redisPrefix, logger: options.logger }));
  const rateLimits = createAuthRateLimits({ attemptsPerMinute: options.authAttemptsPerMinute ?? 10, redis: rateLimitRedis, redisPrefix });
  const commentLimit = createPerUserLimit({ keyPrefix: "comment-user", perMinute: options.commentsPerMinute ?? 5, redis: rateLimitRedis, redisPrefix });
  warmUpPasswordHashing();

  // After the page cache and static files, which stay fast however busy the renderer is.
  if (loadShedder) app.use(loadShedder.middleware);

  if (options.remixBuild) {
    const remixBuild = options.remixBuild;
    app.all(
      "*",
      // Ahead of the session lookup, so that its own failures go out private too.
      privateResponses(cookieSettings),
      sessionMiddleware(cookieSettings),
      createRequestHandler({
        build: remixBuild,
        mode: options.mode,
        getLoadContext: (req, res) => ({
          realtime,
          auth: res.locals.auth ?? null,
          sessionCookie: cookieSettings,
          rateLimits,
          commentLimit,
          clientIp: req.ip ?? req.socket.remoteAddress ?? "unknown",
          cspNonce: res.locals.cspNonce as string,
        }),
      }),
    );
  }

  return {
    httpServer,
    realtime,
    loadShedder,
    async close() {
      loadShedder?.stop();
      const drained = stopAccepting(httpServer, options.drainTimeoutMs ?? 10_000);
      await realtime.close();
      await drained;
      await revocations?.close();
      await rateLimitRedis?.quit().catch(() => undefined);
    },
  };
}

/**
 * Stops listening and resolves once every connection has ended: idle keep-alive ones at once,
 * busy ones after their response, the rest cut after `timeoutMs`.
 */
function stopAccepting(httpServer: HttpServer, timeoutMs: number): Promise<void> {
  if (!httpServer.listening) return Promise.resolve();
  return new Promise((resolve) => {
    // A keep-alive connection that finishes its request becomes idle but stays open; close those
    // as they appear rather than waiting out their keep-alive timeout.
    const sweep = setInterval(() => httpServer.closeIdleConnections(), 100);
    const deadline = setTimeout(() => httpServer.closeAllConnections(), timeoutMs);
    httpServer.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
  });
}
