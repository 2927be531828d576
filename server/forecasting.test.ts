// Forecasting through the real server and the real Remix build: the question page's actions,
// the JSON API and the exports, as a browser or a script would use them.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import { getDb } from "~/db.server";
import { probabilityFieldName } from "~/domain/probability-fields";
import type { ClientToServerEvents, ServerToClientEvents } from "~/realtime/contract";
import { projectRoot } from "../prisma/database-url";
import { seedDatabase } from "../prisma/seeding";
import { createCrowdlineServer, type CrowdlineServer } from "./app";

let server: CrowdlineServer;
let origin: string;
let scenarioQuestion: { id: string; scenarios: { id: string; title: string }[] };
let claim: { id: string; scenarios: { id: string; title: string }[] };

beforeAll(async () => {
  const remixBuild = (await import(pathToFileURL(path.join(projectRoot, "build/index.js")).href)) as ServerBuild;
  await seedDatabase(getDb());
  server = await createCrowdlineServer({ db: getDb(), logger: pino({ level: "silent" }), allowedOrigins: [], mode: "test", remixBuild, authAttemptsPerMinute: 10_000 });
  await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  const questions = await getDb().question.findMany({
    where: { article: { slug: "open-vs-closed-ai-2026" } },
    orderBy: { position: "asc" },
    include: { scenarios: { orderBy: { position: "asc" }, select: { id: true, title: true } } },
  });
  scenarioQuestion = questions.find((question) => question.kind === "scenarios")!;
  claim = questions.find((question) => question.kind === "binary")!;
});

afterAll(async () => {
  await server.close();
});

let counter = 0;
async function signUp() {
  const username = `forecaster_${process.pid}_${++counter}`;
  const response = await post("/signup", { username, email: `${username}@example.com`, password: `pw-${username}-long` });
  expect(response.status).toBe(302);
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("session="))!.split(";")[0]!;
  const user = await getDb().user.findUniqueOrThrow({ where: { username } });
  return { cookie, userId: user.id };
}

function post(pathname: string, fields: Record<string, string>, options: { cookie?: string; origin?: string } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Origin: options.origin ?? origin };
  if (options.cookie) headers.Cookie = options.cookie;
  return fetch(`${origin}${pathname}`, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

/** A forecast as the question page's form posts it (percentages by scenario, in order). */
const forecastFields = (question: { scenarios: { id: string }[] }, percentages: (number | string)[], extra: Record<string, string> = {}) => ({
  intent: "save",
  ...Object.fromEntries(question.scenarios.map((scenario, index) => [probabilityFieldName(scenario.id), String(percentages[index] ?? "")]).filter(([, value]) => value !== "")),
  ...extra,
});

// Single fetch: a fetcher's POST goes to `<path>.data` and answers with a turbo-stream body.
const saveForecastRequest = (questionId: string, fields: Record<string, string>, cookie?: string) => post(`/questions/${questionId}.data`, fields, { cookie });

const apiQuestion = async (id: string, cookie?: string) => {
  const response = await fetch(`${origin}/api/questions/${id}`, { headers: cookie ? { Cookie: cookie } : {} });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { aggregate: null | { version: number; count: number; centers: number[] } } };
};

const storedState = async (questionId: string) => ({
  forecasts: await getDb().forecast.count({ where: { questionId } }),
  snapshots: await getDb().aggregateSnapshot.count({ where: { questionId } }),
  version: (await getDb().question.findUniqueOrThrow({ where: { id: questionId } })).aggregateVersion,
});

describe("saving a forecast", () => {
  it("sends a visitor to log in first and writes nothing", async () => {
    const before = await storedState(scenarioQuestion.id);
    const response = await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [60, 30, 10]));
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    expect(await storedState(scenarioQuestion.id)).toEqual(before);
  });

  it("refuses a cross-origin forecast with 403 before any work is done", async () => {
    const { cookie } = await signUp();
    const before = await storedState(scenarioQuestion.id);
    const response = await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [60, 30, 10]), { cookie, origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(await storedState(scenarioQuestion.id)).toEqual(before);
  });

  it("stores the forecast, moves the crowd in the JSON API and broadcasts the new version to the room", async () => {
    const { cookie } = await signUp();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(origin, { path: "/socket.io", transports: ["websocket"], extraHeaders: { Origin: origin } });
    try {
      const joined = await new Promise<{ version: number }>((resolve) => socket.emit("question:join", scenarioQuestion.id, (ack) => resolve(ack as { version: number })));
      const broadcast = new Promise<{ version: number; aggregate: { count: number } }>((resolve) => socket.once("question:aggregate", resolve));
      const response = await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [60, 30, 10], { rationale: "Open weights keep closing the gap" }), { cookie });
      expect(response.status).toBe(200);
      const event = await broadcast;
      expect(event.version).toBeGreaterThan(joined.version);
      const { body } = await apiQuestion(scenarioQuestion.id);
      expect(body.aggregate?.version).toBe(event.version);
      expect(body.aggregate?.count).toBe(event.aggregate.count);
      expect(body.scenarios).toEqual(scenarioQuestion.scenarios.map((scenario, index) => ({ ...scenario, baseline: [0.45, 0.4, 0.15][index] })));
    } finally {
      socket.disconnect();
    }
  });

  it("keeps an update's history and shows it on the question page", async () => {
    const { cookie, userId } = await signUp();
    expect((await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [60, 30, 10]), { cookie })).status).toBe(200);
    expect((await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [50, 30, 20]), { cookie })).status).toBe(200);
    const rows = await getDb().forecast.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });
    expect(rows.map((row) => [row.probabilities, row.supersededAt === null])).toEqual([
      ["[0.6,0.3,0.1]", false],
      ["[0.5,0.3,0.2]", true],
    ]);
    const html = await (await fetch(`${origin}/questions/${scenarioQuestion.id}`, { headers: { Cookie: cookie } })).text();
    expect(html).toContain("Your forecasts");
    expect(html).toContain("50 % / 30 % / 20 %");
    expect(html).toContain("60 % / 30 % / 10 %");
  });

  it("answers a fetcher's save with ok and the time it was stored", async () => {
    const { cookie } = await signUp();
    const response = await saveForecastRequest(claim.id, forecastFields(claim, [70]), cookie);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/savedAt/);
  });
});

describe("bad forecasts get a 4xx and a message, and change nothing", () => {
  const cases: [string, (number | string)[], Record<string, string>, number, RegExp][] = [
    ["probabilities that add up to 97", [60, 30, 7], {}, 422, /add up to 100 % \(they add up to 97 %\)/],
    ["a negative probability", [-10, 80, 30], {}, 422, /cannot be negative/],
    ["a probability over 100", [120, -10, -10], {}, 422, /cannot be more than 100 %/],
    ["a probability that is not a number", ["NaN", 50, 50], {}, 422, /must be a number between 0 and 100/],
    ["a missing scenario", [60, 40], {}, 422, /Give a probability for/],
    ["a 100 KB rationale", [60, 30, 10], { rationale: "x".repeat(100_000) }, 422, /Keep the rationale to 5,000 characters/],
  ];
  it.each(cases)("%s", async (_name, percentages, extra, status, message) => {
    const { cookie } = await signUp();
    const before = await storedState(scenarioQuestion.id);
    const response = await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, percentages, extra), { cookie });
    expect(response.status).toBe(status);
    expect(await response.text()).toMatch(message);
    expect(await storedState(scenarioQuestion.id)).toEqual(before);
  });

  it("a scenario id of another question", async () => {
    const { cookie } = await signUp();
    const before = await storedState(scenarioQuestion.id);
    const fields = { ...forecastFields(scenarioQuestion, [60, 30, 10]), [probabilityFieldName(claim.scenarios[0]!.id)]: "0" };
    const response = await post(`/questions/${scenarioQuestion.id}`, fields, { cookie });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/not part of this question/);
    expect(await storedState(scenarioQuestion.id)).toEqual(before);
  });

  it("an extra scenario field with no name behind it, and an unknown intent", async () => {
    const { cookie } = await signUp();
    const extra = await post(`/questions/${scenarioQuestion.id}`, { ...forecastFields(scenarioQuestion, [60, 30, 10]), p_bogus: "0" }, { cookie });
    expect(extra.status).toBe(422);
    const unknownIntent = await post(`/questions/${scenarioQuestion.id}`, { intent: "delete-everything" }, { cookie });
    expect(unknownIntent.status).toBe(400);
  });

  it("a closed question", async () => {
    const { cookie } = await signUp();
    const closed = await getDb().question.create({
      data: {
        articleId: (await getDb().article.findUniqueOrThrow({ where: { slug: "open-vs-closed-ai-2026" } })).id,
        position: 100 + counter,
        kind: "binary",
        title: "Closed already?",
        description: "",
        status: "closed",
        scenarios: { create: ["Yes", "No"].map((title, position) => ({ position, title, summary: "", whatHappens: "", catalysts: "", timeline: "", thesis: "" })) },
      },
      include: { scenarios: { orderBy: { position: "asc" } } },
    });
    const response = await post(`/questions/${closed.id}`, forecastFields(closed, [60]), { cookie });
    expect(response.status).toBe(409);
    expect(await response.text()).toMatch(/closed for forecasting/);
    expect(await storedState(closed.id)).toEqual({ forecasts: 0, snapshots: 0, version: 0 });
  });

  it("a withdrawn forecast withdrawn again", async () => {
    const { cookie } = await signUp();
    expect((await post(`/questions/${claim.id}`, forecastFields(claim, [30]), { cookie })).status).toBe(200);
    expect((await post(`/questions/${claim.id}`, { intent: "withdraw" }, { cookie })).status).toBe(200);
    const before = await storedState(claim.id);
    const again = await post(`/questions/${claim.id}`, { intent: "withdraw" }, { cookie });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/no current forecast on this question to withdraw/);
    expect(await storedState(claim.id)).toEqual(before);
  });

  it("an unknown question", async () => {
    const { cookie } = await signUp();
    const response = await post(`/questions/no-such-question`, { intent: "withdraw" }, { cookie });
    expect(response.status).toBe(404);
    expect((await fetch(`${origin}/api/questions/no-such-question`)).status).toBe(404);
    expect((await fetch(`${origin}/questions/no-such-question`)).status).toBe(404);
  });
});

describe("a crowd hidden until one forecasts", () => {
  it("is in neither the page, nor the JSON API, nor the exports, nor the socket, until the reader's first forecast", async () => {
    const question = await getDb().question.update({ where: { id: claim.id }, data: { revealCrowd: "after_forecast" }, include: { scenarios: { orderBy: { position: "asc" } } } });
    try {
      const early = await signUp();
      expect((await post(`/questions/${question.id}`, forecastFields(question, [83]), { cookie: early.cookie })).status).toBe(200);
      const { cookie } = await signUp();

      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(origin, { path: "/socket.io", transports: ["websocket"], extraHeaders: { Origin: origin } });
      const received: unknown[] = [];
      socket.on("question:aggregate", (payload) => received.push(payload));
      const joined = await new Promise<{ aggregate: unknown }>((resolve) => socket.emit("question:join", question.id, (ack) => resolve(ack as { aggregate: unknown })));
      expect(joined.aggregate).toBeNull();

      for (const viewer of [undefined, cookie]) {
        expect((await apiQuestion(question.id, viewer)).body).toMatchObject({ aggregate: null, crowdHiddenBecause: "question_hides_until_forecast" });
        const html = await (await fetch(`${origin}/questions/${question.id}`, { headers: viewer ? { Cookie: viewer } : {} })).text();
        expect(html).toMatch(/appears (once you have made your own|to readers once they have made their own)/);
        expect(html).not.toContain("83 %");
        const csv = await (await fetch(`${origin}/api/questions/${question.id}/history.csv`, { headers: viewer ? { Cookie: viewer } : {} })).text();
        expect(csv).not.toMatch(/,crowd,/);
        const json = (await (await fetch(`${origin}/api/questions/${question.id}/history.json`, { headers: viewer ? { Cookie: viewer } : {} })).json()) as { crowd: unknown[] };
        expect(json.crowd).toEqual([]);
      }

      // Another reader's save must not reach this socket either: the round trip of a join after
      // the save proves the server has already handled (and not sent) any broadcast.
      expect((await post(`/questions/${question.id}`, forecastFields(question, [81]), { cookie: early.cookie })).status).toBe(200);
      await new Promise((resolve) => socket.emit("question:join", question.id, resolve));
      expect(received).toEqual([]);
      socket.disconnect();

      expect((await post(`/questions/${question.id}`, forecastFields(question, [40]), { cookie })).status).toBe(200);
      const after = await apiQuestion(question.id, cookie);
      expect(after.body.aggregate?.count).toBe(await getDb().forecast.count({ where: { questionId: question.id, supersededAt: null, withdrawnAt: null } }));
      expect(after.body.aggregate?.count).toBeGreaterThanOrEqual(2);
      const csv = await (await fetch(`${origin}/api/questions/${question.id}/history.csv`, { headers: { Cookie: cookie } })).text();
      expect(csv).toMatch(/,crowd,/);
    } finally {
      await getDb().question.update({ where: { id: claim.id }, data: { revealCrowd: "always" } });
    }
  });
});

describe("history exports", () => {
  it("serve the crowd and the author's baseline as CSV and JSON", async () => {
    const { cookie } = await signUp();
    expect((await post(`/questions/${scenarioQuestion.id}`, forecastFields(scenarioQuestion, [40, 40, 20]), { cookie })).status).toBe(200);
    const csvResponse = await fetch(`${origin}/api/questions/${scenarioQuestion.id}/history.csv`);
    expect(csvResponse.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csvResponse.headers.get("content-disposition")).toMatch(/attachment; filename="question-.+-history\.csv"/);
    const lines = (await csvResponse.text()).trimEnd().split("\r\n");
    expect(lines[0]).toContain("The Open Source Majority (25th percentile)");
    expect(lines.some((line) => line.includes(",author_baseline,"))).toBe(true);
    expect(lines.some((line) => line.includes(",crowd,"))).toBe(true);
    const json = (await (await fetch(`${origin}/api/questions/${scenarioQuestion.id}/history.json`)).json()) as { crowd: { version: number }[]; baseline: { probabilities: number[] }[] };
    expect(json.baseline[0]?.probabilities).toEqual([0.45, 0.4, 0.15]);
    const versions = json.crowd.map((point) => point.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.length).toBeGreaterThan(0);
  });
});
