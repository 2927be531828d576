// One process per core (WORKERS, docs/decisions/017-using-every-core.md): the primary forks the
// workers, keeps them running and stops them; each worker is a whole instance (server/index.ts)
// sharing the port through node:cluster and everything else through Redis and PostgreSQL.
import cluster, { type Worker } from "node:cluster";
import type { Server as HttpServer } from "node:http";
import type { Logger } from "pino";
import type { Realtime } from "./realtime";

/** The exit code of a worker that crashed (decision 014), and of a primary whose workers kept crashing. */
export const CRASH_EXIT_CODE = 70;
/** Response header naming the worker that answered: cheap, says nothing about the machine. */
export const WORKER_HEADER = "X-Crowdline-Worker";

export interface WorkerSupervision {
  count: number;
  logger: Logger;
  /** For the one "listening" line, once every worker listens. */
  port: number;
  /** Restart delays double from this (default 500 ms) up to `maxRestartDelayMs` (default 30 s). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** This many deaths within `crashWindowMs` (default 5 in 60 s) and the primary gives up. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** After SIGTERM, how long the workers get (their own deadline is 25 s) before being killed (default 27 s: inside systemd's 30). */
  stopDeadlineMs?: number;
}

/**
 * Forks `count` workers and supervises them until a stop signal. A worker that dies after it
 * listened is replaced after a delay that doubles with each recent death; one that dies before
 * listening is a broken start (bad settings, Redis unreachable) that a restart will not mend, so
 * the primary stops the others and exits 1, as a single process would. Never resolves.
 */
export function superviseWorkers(options: WorkerSupervision): void {
  const { logger, count } = options;
  const restartDelayMs = options.restartDelayMs ?? 500;
  const maxRestartDelayMs = options.maxRestartDelayMs ?? 30_000;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  const stopDeadlineMs = options.stopDeadlineMs ?? 27_000;

  const listened = new WeakSet<Worker>();
  const deaths: number[] = [];
  let announced = false;
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork();
    logger.info({ worker: worker.id, pid: worker.process.pid }, "worker started");
  };

  cluster.on("listening", (worker, address) => {
    listened.add(worker);
    logger.info({ worker: worker.id, pid: worker.process.pid }, "worker listening");
    const listening = Object.values(cluster.workers ?? {}).filter((each) => each && listened.has(each)).length;
    if (!announced && listening === count) {
      announced = true;
      const port = address.port || options.port;
      logger.info({ port, workers: count }, `Crowdline listening on http://localhost:${port} (${count} workers)`);
    }
  });

  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      exitCode = Math.max(exitCode, code ?? 1);
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info("stopped");
        process.exit(exitCode);
      }
      return;
    }
    if (!listened.has(worker)) {
      logger.fatal({ worker: worker.id, code, signal }, "a worker failed to start; stopping");
      stop(1);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! <= now - crashWindowMs) deaths.shift();
    if (deaths.length >= maxCrashes) {
      logger.fatal({ worker: worker.id, code, signal, crashes: deaths.length, windowMs: crashWindowMs }, "workers keep dying; stopping");
      stop(CRASH_EXIT_CODE);
      return;
    }
    const delayMs = Math.min(maxRestartDelayMs, restartDelayMs * 2 ** (deaths.length - 1));
    logger.error({ worker: worker.id, code, signal, restartInMs: delayMs }, "worker died; starting another");
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  function stop(code: number) {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => Boolean(worker));
    if (workers.length === 0) process.exit(exitCode);
    // Each worker stops the way a single process does on SIGTERM: sockets told to reconnect, in-flight
    // requests finished. Their exits (the "exit" handler above) end the primary.
    for (const worker of workers) worker.process.kill("SIGTERM");
    setTimeout(() => {
      logger.error({ deadlineMs: stopDeadlineMs }, "workers did not stop in time; killing them");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(exitCode || 1);
    }, stopDeadlineMs).unref();
  }

  const onSignal = (signal: string) => {
    if (!stopping) logger.info({ signal }, "shutting down");
    stop(0);
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  // Ctrl-C reaches the workers too (one process group); they stop on their own and we wait for them.
  process.on("SIGINT", () => onSignal("SIGINT"));

  for (let index = 0; index < count; index++) fork();
}

/**
 * A worker's own part: names itself in a response header, and takes sockets over WebSocket only.
 * Long polling sends each request of a session on its own HTTP request, which node:cluster hands
 * to any worker; only the one holding the session knows it (decision 017 explains why no sticky
 * routing). The page's client falls back to polling only where WebSocket is refused.
 */
export function configureWorker(httpServer: HttpServer, realtime: Realtime, workerId: number): void {
  const id = String(workerId);
  httpServer.prependListener("request", (_req, res) => res.setHeader(WORKER_HEADER, id));
  realtime.io.engine.opts.transports = ["websocket"];
  realtime.io.engine.on("headers", (headers: Record<string, string>) => {
    headers[WORKER_HEADER] = id;
  });
}
