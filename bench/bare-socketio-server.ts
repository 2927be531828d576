// The floor for the live bench: socket.io 4 with nothing of the app around it (no Express, no
// database, no presence, no validation). What our live layer costs is read against what this
// costs on the same machine, with the same listeners and the same payload.
//
// `POST /emit?questionId=<id>` broadcasts one `question:aggregate` to the room and then answers,
// in that order, as the app's save action publishes before it replies; the answer says when the
// emit began, so the bench can time from the emit itself as well as from the answer.
import http from "node:http";
import { Server } from "socket.io";
import { SOCKET_PATH, roomOf, type AggregateEvent, type ClientToServerEvents, type ServerToClientEvents } from "../app/realtime/contract";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a free port");

const SCENARIOS = 3;
const clock = () => performance.timeOrigin + performance.now();

// Values of the length a real aggregate carries (full-precision doubles): the bytes on the wire,
// hence the framing and parsing, stay comparable with the app's messages.
function aggregateOf(count: number): AggregateEvent["aggregate"] {
  const centers = Array.from({ length: SCENARIOS }, () => Math.random());
  const total = centers.reduce((sum, value) => sum + value, 0);
  const normalised = centers.map((value) => value / total);
  return {
    method: "recency_weighted_median",
    centers: normalised,
    lower: normalised.map((value) => value * 0.8),
    upper: normalised.map((value) => Math.min(1, value * 1.2)),
    count,
  };
}

const versions = new Map<string, number>();

const httpServer = http.createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "GET" && url.pathname === "/healthz") {
    response.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    return;
  }
  const questionId = url.searchParams.get("questionId");
  if (request.method === "POST" && url.pathname === "/emit" && questionId) {
    // The request has no body, but it must be read for keep-alive to reuse the connection.
    request.resume();
    request.on("end", () => {
      const version = (versions.get(questionId) ?? 0) + 1;
      versions.set(questionId, version);
      const emittedAt = clock();
      io.to(roomOf(questionId)).emit("question:aggregate", { questionId, version, aggregate: aggregateOf(version), changes: 1 });
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ version, emittedAt }));
    });
    return;
  }
  response.writeHead(404).end();
});

const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { path: SOCKET_PATH, serveClient: false });

io.on("connection", (socket) => {
  socket.on("question:join", async (questionId, ack) => {
    if (typeof questionId !== "string") return;
    await socket.join(roomOf(questionId));
    // The app's snapshot shape, so listeners read both servers' acks alike.
    ack({ questionId, version: versions.get(questionId) ?? 0, aggregate: null, baseline: null, presence: io.sockets.adapter.rooms.get(roomOf(questionId))?.size ?? 0 });
  });
  socket.on("question:leave", (questionId) => {
    if (typeof questionId === "string") void socket.leave(roomOf(questionId));
  });
});

httpServer.listen(port, "127.0.0.1");

const shutdown = () => void io.close(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
