// What reaches the app at all: malformed Host headers and methods no page of ours sends are
// answered by Express before the page cache, the session lookup and Remix (server/request-edges.ts),
// through the real server and the real Remix build.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/db.server";
import { projectRoot } from "../prisma/database-url";
import { openVsClosedAi2026 } from "../prisma/seed-data/open-vs-closed-ai-2026";
import { seedDatabase } from "../prisma/seeding";
import { rawRequest, type RawResponse } from "../test/raw-http";
import { createCrowdlineServer, type AppOptions, type CrowdlineServer } from "./app";
import { signUp } from "./realtime-testing";
import { isWellFormedHost } from "./request-edges";

let remixBuild: ServerBuild;
const servers: CrowdlineServer[] = [];

async function start(options: Partial<AppOptions> = {}) {
  const server = await createCrowdlineServer({
    db: getDb(),
    logger: pino({ level: "silent" }),
    allowedOrigins: [],
    mode: "test",
    remixBuild,
    authAttemptsPerMinute: 10_000,
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  return (server.httpServer.address() as AddressInfo).port;
}

let port: number;
let origin: string;
let questionId: string;

beforeAll(async () => {
  remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;
  await seedDatabase(getDb());
  port = await start();
  origin = `http://127.0.0.1:${port}`;
  const seed = await getDb().article.findUniqueOrThrow({ where: { slug: openVsClosedAi2026.slug }, include: { questions: true } });
  questionId = seed.questions[0]!.id;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const ARTICLE = `/articles/${openVsClosedAi2026.slug}`;

/** A GET with exactly these extra header lines. */
const getWith = (serverPort: number, target: string, headerLines: string[]) =>
  rawRequest(serverPort, [`GET ${target} HTTP/1.1`, ...headerLines, "Connection: close"].join("\r\n"));

/** The refusal is Express's own short text, sent before anything else touched the request. */
function expectRefusedAtTheDoor(response: RawResponse, status: number) {
  expect(response.status, response.raw.slice(0, 200)).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^text\/plain/);
  expect(response.body.length).toBeLessThan(100);
  // Neither the page cache, nor the session lookup (which clears an unknown session cookie), nor
  // the security headers in front of Remix ran.
  expect(response.headers["x-page-cache"]).toBeUndefined();
  expect(response.headers["set-cookie"]).toBeUndefined();
  expect(response.headers["content-security-policy"]).toBeUndefined();
}

describe("the Host header", () => {
  const MALFORMED = [
    "a b",
    "[::1",
    "%00",
    "evil.example; script-src *",
    "evil.example;x",
    "",
    "a".repeat(1_000),
    "x@y",
    "example.com/evil",
    "127.0.0.1:99999",
    "127.0.0.1:",
    "127.1",
    "[::1]]",
    "[fe80::1%25eth0]",
  ];

  it.each(MALFORMED)("answers Host %j with 400 before the page cache, the session and Remix", async (host) => {
    expectRefusedAtTheDoor(await getWith(port, ARTICLE, [`Host: ${host}`, "Cookie: session=not-a-session"]), 400);
  });

  it.each(["127.0.0.1:{port}", "localhost:{port}", "LocalHost", "[::1]:{port}", "crowdline.example:80", "web_1:3000", "xn--bcher-kva.example"])(
    "serves the page for Host %j",
    async (template) => {
      const response = await getWith(port, ARTICLE, [`Host: ${template.replace("{port}", String(port))}`]);
      expect(response.status).toBe(200);
      expect(response.body).toContain(openVsClosedAi2026.title);
    },
  );

  it("lets an HTTP/1.0 request without Host through (load balancers' health checks)", async () => {
    const health = await rawRequest(port, "GET /healthz HTTP/1.0");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true, db: "ok" });
    const page = await rawRequest(port, `GET ${ARTICLE} HTTP/1.0`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(openVsClosedAi2026.title);
  });

  it("refuses an X-Forwarded-Host whose port Remix would read even from an untrusted client", async () => {
    expectRefusedAtTheDoor(await getWith(port, ARTICLE, [`Host: 127.0.0.1:${port}`, "X-Forwarded-Host: 127.0.0.1:99999"]), 400);
  });

  it("behind a trusted proxy, refuses a malformed X-Forwarded-Host or -Proto and serves well-formed ones", async () => {
    const proxied = await start({ trustProxy: 1 });
    const host = `Host: 127.0.0.1:${proxied}`;
    expectRefusedAtTheDoor(await getWith(proxied, ARTICLE, [host, "X-Forwarded-Host: a b"]), 400);
    expectRefusedAtTheDoor(await getWith(proxied, ARTICLE, [host, "X-Forwarded-Host: crowdline.example, [::1"]), 400);
    expectRefusedAtTheDoor(await getWith(proxied, ARTICLE, [host, "X-Forwarded-Proto: a b"]), 400);
    const served = await getWith(proxied, ARTICLE, [host, "X-Forwarded-Host: crowdline.example:8443, 10.0.0.1", "X-Forwarded-Proto: https"]);
    expect(served.status).toBe(200);
    expect(served.body).toContain(openVsClosedAi2026.title);
  });

  it("isWellFormedHost takes names, IPv4 and bracketed IPv6 with a port, and nothing else", () => {
    for (const good of ["example.com", "EXAMPLE.com:8080", "10.0.0.1", "10.0.0.1:65535", "[::1]", "[2001:db8::1]:443", "[::ffff:10.0.0.1]"]) {
      expect(isWellFormedHost(good), good).toBe(true);
    }
    for (const bad of ["", ":80", "example.com:65536", "1.2.3.999", "[::1", "[::g]", "[]", "ex ample.com", "exämple.com", "a\u0000b"]) {
      expect(isWellFormedHost(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("methods", () => {

  it("answers PUT, PATCH, DELETE and the like with 405 and Allow on every path, before the page cache, the session and Remix", async () => {
    const paths = ["/", "/settings", `/questions/${questionId}`, ARTICLE, "/healthz", "/favicon.svg", "/build/nothing.js", "/no-such-page"];
    for (const method of ["PUT", "PATCH", "DELETE", "PROPFIND", "TRACE"]) {
      for (const target of paths) {
        const response = await rawRequest(
          port,
          [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Origin: ${origin}`, "Cookie: session=not-a-session", "Connection: close"].join("\r\n"),
        );
        expectRefusedAtTheDoor(response, 405);
        expect(response.headers.allow, `${method} ${target}`).toBe("GET, HEAD, POST");
      }
    }
  });

  it("never runs a page's action for a PUT, while the same form posted is saved", async () => {
    const { username, cookie } = await signUp(origin);
    const fields = new URLSearchParams({ intent: "profile", displayName: "Put Through" });
    const headers = { "Content-Type": "application/x-www-form-urlencoded", Origin: origin, Cookie: cookie };
    const displayName = async () => (await getDb().user.findUniqueOrThrow({ where: { username } })).displayName;

    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const refused = await fetch(`${origin}/settings`, { method, headers, body: fields, redirect: "manual" });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get("allow")).toBe("GET, HEAD, POST");
      expect(await displayName()).toBeNull();
    }
    const posted = await fetch(`${origin}/settings`, { method: "POST", headers, body: fields, redirect: "manual" });
    expect(posted.status).toBe(200);
    expect(await displayName()).toBe("Put Through");
  });

  it("leaves socket.io's path to engine.io: its own answer to a PUT, and the handshake works", async () => {
    const put = await rawRequest(port, ["PUT /socket.io/?EIO=4&transport=polling HTTP/1.1", `Host: 127.0.0.1:${port}`, "Content-Length: 0", "Connection: close"].join("\r\n"));
    expect(put.status).toBe(400);
    expect(put.headers.allow).toBeUndefined();
    // engine.io's JSON error (sent chunked), not our text.
    expect(put.headers["content-type"]).toBe("application/json");
    expect(put.body).toContain('{"code":2,"message":"Bad handshake method"}');
    const handshake = await fetch(`${origin}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toMatch(/^0\{"sid":/);
  });

  it("still answers HEAD and OPTIONS past the allow-list", async () => {
    const head = await fetch(`${origin}${ARTICLE}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const options = await rawRequest(port, [`OPTIONS ${ARTICLE} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"].join("\r\n"));
    expect(options.headers.allow).not.toBe("GET, HEAD, POST");
    // It went on to the app: the security headers in front of Remix are on it.
    expect(options.headers["content-security-policy"]).toBeDefined();
  });
});
