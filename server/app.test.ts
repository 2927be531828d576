import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, getDb } from "~/db.server";
import { seedDatabase } from "../prisma/seeding";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

const logger = pino({ level: "silent" });

async function start(options: Partial<Parameters<typeof createCrowdlineServer>[0]> = {}) {
  const server = await createCrowdlineServer({ db: getDb(), logger, allowedOrigins: [], mode: "test", ...options });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

let server: CrowdlineServer;
let origin: string;

beforeAll(async () => {
  await seedDatabase(getDb());
  ({ server, origin } = await start());
});

afterAll(async () => {
  await server.close();
});

describe("/healthz", () => {
  it("answers 200 once the database answers", async () => {
    const response = await fetch(`${origin}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, db: "ok" });
  });

  it("answers 503 when the database does not", async () => {
    const unreachable = createDb("postgresql://nobody@127.0.0.1:1/nowhere");
    const broken = await start({ db: unreachable });
    try {
      const response = await fetch(`${broken.origin}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ ok: false, db: "unavailable" });
    } finally {
      await broken.server.close();
    }
  });
});

// The socket.io tests live with the live layer: server/realtime.test.ts, realtime-instances.test.ts.
