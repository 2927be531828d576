import { createServer, type Server as HttpServer } from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { Db } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { createPageCache } from "./page-cache";
import { createRealtime, type Realtime } from "./realtime";

export interface AppOptions {
  db: Db;
  logger: Logger;
  allowedOrigins: readonly string[];
  redisUrl?: string;
  /** The Remix build, or a function returning the current one (development rebuilds). */
  remixBuild?: ServerBuild | (() => Promise<ServerBuild>);
  mode: "development" | "production" | "test";
}

export interface CrowdlineServer {
  httpServer: HttpServer;
  realtime: Realtime;
}

/** Wires Express, the Remix handler and socket.io onto one http server; does not listen. */
export async function createCrowdlineServer(options: AppOptions): Promise<CrowdlineServer> {
  const app = express();
  app.disable("x-powered-by");
  const httpServer = createServer(app);
  const realtime = await createRealtime(httpServer, {
    allowedOrigins: options.allowedOrigins,
    logger: options.logger,
    redisUrl: options.redisUrl,
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
  if (options.mode !== "development") app.use(createPageCache().middleware);
  app.use(compression());

  // Fingerprinted by the Remix compiler, so they can be cached for good.
  app.use("/build", express.static(path.join(projectRoot, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(projectRoot, "public"), { maxAge: "1h" }));

  if (options.remixBuild) {
    const remixBuild = options.remixBuild;
    app.all(
      "*",
      createRequestHandler({
        build: remixBuild,
        mode: options.mode,
        getLoadContext: () => ({ realtime }),
      }),
    );
  }

  return { httpServer, realtime };
}
