// The socket handshake's Origin rule answers 403 on both transports (docs/REALTIME.md), through
// the real server and raw HTTP, so that the status is exactly what goes over the wire.
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { rawRequest } from "../test/raw-http";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

const LISTED = "https://embed.example";

let server: CrowdlineServer;
let port: number;
let origin: string;

beforeAll(async () => {
  server = await createCrowdlineServer({ db: getDb(), logger: pino({ level: "silent" }), allowedOrigins: [LISTED], mode: "test" });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  port = (server.httpServer.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(() => server?.close());

/** A WebSocket handshake as a browser sends it, with `origin` (or none). */
const upgrade = (from: string | null) =>
  rawRequest(
    port,
    [
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...(from === null ? [] : [`Origin: ${from}`]),
    ].join("\r\n"),
  );

const poll = (from: string) => fetch(`${origin}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: from } });

describe("a handshake from a foreign Origin", () => {
  it.each(["https://evil.example", "null", "http://127.0.0.1:1", "http://localhost.evil.example"])("is refused with 403 over WebSocket: %s", async (from) => {
    const response = await upgrade(from);
    expect(response.status, response.raw).toBe(403);
    expect(response.headers.connection).toBe("close");
    expect(response.headers.upgrade).toBeUndefined();
    expect(response.body).toBe("Forbidden");
  });

  it("is refused with 403 over long polling too", async () => {
    expect((await poll("https://evil.example")).status).toBe(403);
  });
});

describe("a handshake the Origin rule admits", () => {
  it.each([
    ["the app's own origin", () => origin],
    ["an ALLOWED_ORIGINS entry", () => LISTED],
    ["no Origin at all (not a browser)", () => null],
  ])("switches protocols over WebSocket: %s", async (_label, from) => {
    const response = await upgrade(from());
    expect(response.status, response.raw).toBe(101);
    expect(response.headers.upgrade).toBe("websocket");
  });

  it("opens a polling session from the app's own origin", async () => {
    const response = await poll(origin);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^0\{"sid":/);
  });
});
