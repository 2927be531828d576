import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import { createClient } from "redis";
import { Server, type Socket } from "socket.io";
import { isAllowedOrigin } from "~/auth/origin";
import { getQuestionLiveState } from "~/models/question.server";
import {
  SOCKET_PATH,
  questionIdSchema,
  questionOfRoom,
  roomOf,
  type ClientToServerEvents,
  type JoinAck,
  type ServerToClientEvents,
} from "~/realtime/contract";
import type { RealtimePublisher } from "~/realtime/publisher";

export interface RealtimeOptions {
  allowedOrigins: readonly string[];
  logger: Logger;
  redisUrl?: string;
}

export interface Realtime extends RealtimePublisher {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  close(): Promise<void>;
}

type CrowdlineSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export async function createRealtime(httpServer: HttpServer, options: RealtimeOptions): Promise<Realtime> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    // Refused handshakes get a 403 before any socket exists.
    allowRequest: (req: IncomingMessage, callback) =>
      callback(null, isAllowedOrigin(req.headers.origin, req.headers.host, options.allowedOrigins)),
  });

  const redisClients: ReturnType<typeof createClient>[] = [];
  if (options.redisUrl) {
    const publisher = createClient({ url: options.redisUrl });
    const subscriber = publisher.duplicate();
    for (const client of [publisher, subscriber]) {
      client.on("error", (error: Error) => options.logger.error({ err: error.message }, "redis connection error"));
    }
    await Promise.all([publisher.connect(), subscriber.connect()]);
    redisClients.push(publisher, subscriber);
    io.adapter(createAdapter(publisher, subscriber));
  }

  const presenceOf = (questionId: string) => io.sockets.adapter.rooms.get(roomOf(questionId))?.size ?? 0;
  const announcePresence = (questionId: string) =>
    io.to(roomOf(questionId)).emit("question:presence", { questionId, count: presenceOf(questionId) });

  io.on("connection", (socket: CrowdlineSocket) => {
    options.logger.info({ socket: socket.id, transport: socket.conn.transport.name }, "socket connected");

    socket.on("question:join", async (rawQuestionId, ack) => {
      // A client may omit the ack; answering nothing is then the only option.
      const reply = (response: JoinAck) => {
        if (typeof ack === "function") ack(response);
      };
      const parsed = questionIdSchema.safeParse(rawQuestionId);
      if (!parsed.success) {
        reply({ error: { code: "invalid_question_id", message: "questionId must be a question id string" } });
        return;
      }
      const questionId = parsed.data;
      try {
        const state = await getQuestionLiveState(questionId);
        if (!state) {
          reply({ error: { code: "question_not_found", message: `No question with id ${questionId}` } });
          return;
        }
        await socket.join(roomOf(questionId));
        announcePresence(questionId);
        reply({
          questionId,
          version: state.version,
          // Sockets are anonymous until accounts land, so a hide-until-forecast question never
          // reveals its crowd here.
          aggregate: state.revealCrowd === "always" ? state.aggregate : null,
          baseline: state.baseline,
          presence: presenceOf(questionId),
        });
      } catch (error) {
        options.logger.error({ err: (error as Error).message, questionId }, "question:join failed");
        reply({ error: { code: "server_error", message: "Could not load the question; try again" } });
      }
    });

    socket.on("question:leave", async (rawQuestionId) => {
      const parsed = questionIdSchema.safeParse(rawQuestionId);
      if (!parsed.success || !socket.rooms.has(roomOf(parsed.data))) return;
      await socket.leave(roomOf(parsed.data));
      announcePresence(parsed.data);
    });

    socket.on("disconnecting", () => {
      const questionIds = [...socket.rooms].map(questionOfRoom).filter((id): id is string => id !== null);
      // The rooms still include this socket until the disconnect completes.
      setImmediate(() => questionIds.forEach(announcePresence));
    });
  });

  // Every forecast of one group commit reports the same version; the room needs it once.
  const lastPublishedVersion = new Map<string, number>();

  return {
    io,
    publishAggregate({ questionId, version, aggregate, changes, revealCrowd }) {
      // A crowd hidden until one forecasts must not travel to every socket in the room.
      if (revealCrowd !== "always") return;
      if ((lastPublishedVersion.get(questionId) ?? 0) >= version) return;
      lastPublishedVersion.set(questionId, version);
      io.to(roomOf(questionId)).emit("question:aggregate", { questionId, version, aggregate, changes });
    },
    async close() {
      await io.close();
      await Promise.all(redisClients.map((client) => client.quit().catch(() => undefined)));
    },
  };
}
