// Start-up: settings, migrations, seed, then one http server for pages and sockets; or, with
// WORKERS, a primary that migrates and seeds and then forks that many such servers (server/workers.ts).
import cluster from "node:cluster";
import { watch } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { createDb } from "~/db.server";
import { ConfigError, parseEnv } from "~/env.server";
import { projectRoot, redactPassword } from "../prisma/database-url";
import { seedDatabase } from "../prisma/seeding";
import { MigrationError, deployMigrations } from "../prisma/deploy-migrations";
import { createCrowdlineServer } from "./app";
import { LOAD_SHEDDING_DEFAULTS } from "./load-shedding";
import { CRASH_EXIT_CODE, configureWorker, superviseWorkers } from "./workers";

const startedAt = performance.now();

function fail(message: string): never {
  // One line a person can act on, not a stack trace.
  console.error(`crowdline: ${message}`);
  process.exit(1);
}

let env: ReturnType<typeof parseEnv>;
try {
  env = parseEnv();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

// A worker's lines carry its number; one process's lines carry nothing extra.
const logger = pino({ level: env.logLevel, base: cluster.isWorker ? { worker: cluster.worker!.id } : undefined });

// Workers find the database migrated and seeded by their primary, once.
if (!cluster.isWorker) {
  try {
    await deployMigrations(env.database.url);
  } catch (error) {
    if (error instanceof MigrationError) fail(`${error.message} (check DATABASE_URL)`);
    throw error;
  }
}

const db = createDb(env.database.url);
// The seed shares the process-wide client the Remix routes will use.
globalThis.__crowdlineDb = db;
if (!cluster.isWorker) {
  try {
    const { created } = await seedDatabase(db);
    if (created) logger.info("seeded the first article");
  } catch (error) {
    fail(`could not seed ${redactPassword(env.database.url)}: ${(error as Error).message.split("\n")[0]}`);
  }
}

if (env.workers !== undefined && cluster.isPrimary) {
  // The primary serves nothing: it holds the port for the workers and restarts them.
  await db.$disconnect();
  superviseWorkers({ count: env.workers, logger, port: env.port });
} else {
  await serve();
}

async function serve() {
  const buildPath = path.join(projectRoot, "build/index.js");
  const importBuild = async (): Promise<ServerBuild> =>
    // The query string defeats the ESM module cache so development picks up each rebuild.
    import(`${pathToFileURL(buildPath).href}?t=${Date.now()}`);

  let currentBuild: ServerBuild;
  try {
    currentBuild = await importBuild();
  } catch (error) {
    fail(`no Remix build at ${buildPath} (run npm run build): ${(error as Error).message.split("\n")[0]}`);
  }

  const isDevelopment = env.nodeEnv === "development";
  const crowdline = await createCrowdlineServer({
    db,
    logger,
    allowedOrigins: env.allowedOrigins,
    redisUrl: env.redisUrl,
    redisPrefix: env.redisPrefix,
    mode: env.nodeEnv,
    trustProxy: env.trustProxy,
    authAttemptsPerMinute: env.authAttemptsPerMinute,
    commentsPerMinute: env.commentsPerMinute,
    loadShedding:
      env.loadShedDelayMs > 0
        ? { maxReadDelayMs: env.loadShedDelayMs, maxWriteDelayMs: Math.max(LOAD_SHEDDING_DEFAULTS.maxWriteDelayMs, env.loadShedDelayMs) }
        : undefined,
    remixBuild: isDevelopment ? async () => currentBuild : currentBuild,
  });

  if (cluster.isWorker) configureWorker(crowdline.httpServer, crowdline.realtime, cluster.worker!.id);

  crowdline.httpServer.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") fail(`PORT ${env.port} is already in use; set PORT to a free port`);
    if (error.code === "EACCES") fail(`PORT ${env.port} needs privileges this user lacks; set PORT above 1023`);
    fail(`could not listen on ${env.host}:${env.port}: ${error.message}`);
  });

  crowdline.httpServer.listen(env.port, env.host, () => {
    // The primary announces the port once every worker listens.
    if (cluster.isWorker) return;
    const address = crowdline.httpServer.address();
    const port = typeof address === "object" && address ? address.port : env.port;
    logger.info(
      { port, database: env.database.provider, redis: Boolean(env.redisUrl), startupMs: Math.round(performance.now() - startedAt) },
      `Crowdline listening on http://localhost:${port}`,
    );
    if (isDevelopment) void broadcastDevReady(currentBuild);
  });

  if (isDevelopment) {
    let reloadTimer: NodeJS.Timeout | undefined;
    watch(path.dirname(buildPath), () => {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(async () => {
        currentBuild = await importBuild();
        await broadcastDevReady(currentBuild);
      }, 100);
    });
  }

  // A deployment's stop signal: sockets are told to reconnect elsewhere (after a random delay) and
  // closed, in-flight requests finish, then Redis and the database close. If that hangs past the
  // deadline the process exits anyway, non-zero so that the supervisor notices.
  const SHUTDOWN_DEADLINE_MS = 25_000;
  let shuttingDown = false;
  let exitCode = 0;
  async function shutdown(signal: string, code = 0) {
    // A crash during a stop that a signal began still makes the exit a failure.
    exitCode = Math.max(exitCode, code);
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time; exiting");
      process.exit(exitCode || 1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await crowdline.close();
      await db.$disconnect();
    } catch (error) {
      logger.error({ err: (error as Error).message }, "shutdown failed");
      process.exit(exitCode || 1);
    }
    logger.info("stopped");
    process.exit(exitCode);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Crash policy (docs/decisions/014-crash-policy.md), from here on: before this point nothing is
  // served and Node's own print-and-exit-1 is the right answer. A promise rejected with nobody
  // listening failed one piece of work and unwound nothing else: log it, keep serving. An uncaught
  // exception left some stack half-run, so in-memory state (caches, rooms, windows) may be wrong:
  // stop the way SIGTERM does, letting in-flight requests finish, and exit non-zero (70, README and
  // decision 014) for the supervisor — or, with WORKERS, the primary — to start a fresh process.
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "unhandled promise rejection; carrying on");
  });
  process.on("uncaughtException", (error, origin) => {
    logger.fatal({ err: error, origin }, "uncaught exception; stopping gracefully");
    void shutdown("uncaughtException", CRASH_EXIT_CODE);
  });
}
