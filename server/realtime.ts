import { randomInt, randomUUID } from "node:crypto";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import { createClient } from "redis";
import { Server } from "socket.io";
import { isAllowedOrigin } from "~/auth/origin";
import type { SessionCookieSettings } from "~/auth/session.server";
import { getAggregateVersion, getQuestionLiveState, readQuestionLiveStateForJoin } from "~/models/question.server";
import {
  MAX_ROOMS_PER_CONNECTION,
  MAX_SOCKET_PAYLOAD_BYTES,
  SOCKET_PATH,
  questionIdSchema,
  type ClientToServerEvents,
  type JoinAck,
  type JoinError,
  type ServerToClientEvents,
} from "~/realtime/contract";
import type { RealtimePublisher } from "~/realtime/publisher";
import { guardHandler } from "./handler-guard";
import { CrowdBroadcasts } from "./realtime-broadcasts";
import { sessionIdOfHandshake, viewerOfSession } from "./realtime-identity";
import { DEFAULT_EVENT_LIMITS, chargeEvent, newEventBudget, type EventLimits } from "./realtime-limits";
import { Presence } from "./realtime-presence";
import { crowdRoom, parseRoom, questionRoom, userRoom } from "./realtime-rooms";
import type { CrowdlineIo, CrowdlineSocket, CrowdMessage, InterServerEvents, SocketData } from "./realtime-types";
import { refuseUpgradesWith403 } from "./realtime-upgrade-refusal";
import { seesCrowd } from "./realtime-visibility";

export interface RealtimeOptions {
  allowedOrigins: readonly string[];
  logger: Logger;
  redisUrl?: string;
  /** The HTTP session cookie's name (by mode): sockets are signed in by the same cookie. */
  sessionCookie: SessionCookieSettings;
  /**
   * Engine.IO heartbeat: the server pings every `pingIntervalMs` and drops a client that has not
   * answered within `pingTimeoutMs` more (defaults 25 s and 20 s, socket.io's own).
   */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  eventLimits?: Partial<EventLimits>;
  /**
   * Prefix of the Redis channels and keys, so that deployments (or test runs) sharing one Redis
   * stay apart. Instances of one deployment must share it.
   */
  redisPrefix?: string;
  /** Upper bound of the random delay `server:restarting` asks each client to wait (default 3 s). */
  reconnectSpreadMs?: number;
}

export interface Realtime extends RealtimePublisher {
  io: CrowdlineIo;
  /** Per-question state held by this instance: all zero once every socket has gone (leak checks). */
  tracked(): { presence: number; crowdRooms: number; broadcastWindows: number };
  /**
   * Tells every socket to reconnect elsewhere after a random delay, closes them, removes this
   * instance's presence from Redis and closes socket.io and its Redis connections. Does not wait
   * for the http server's other connections: the caller drains those.
   */
  close(): Promise<void>;
}

const SOCKETS_CLOSE_TIMEOUT_MS = 5_000;

type EventPacket = Parameters<Parameters<CrowdlineSocket["use"]>[0]>[0];

const KNOWN_EVENTS = new Set<string>(["question:join", "question:leave"] satisfies (keyof ClientToServerEvents)[]);

const joinError = (code: JoinError["error"]["code"], message: string): JoinError => ({ error: { code, message } });

export async function createRealtime(httpServer: HttpServer, options: RealtimeOptions): Promise<Realtime> {
  const { logger } = options;
  // Every listener below goes through this: none may throw into socket.io (docs/decisions/014).
  const guarded = <A extends unknown[]>(name: string, handler: (...args: A) => unknown) => guardHandler(logger, name, handler);
  const limits: EventLimits = { ...DEFAULT_EVENT_LIMITS, ...options.eventLimits };
  let closing = false;
  const admits = (req: IncomingMessage) => !closing && isAllowedOrigin(req.headers.origin, req.headers.host, options.allowedOrigins);
  const io: CrowdlineIo = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(
    httpServer,
    {
      path: SOCKET_PATH,
      serveClient: false,
      // Refused handshakes get a 403 before any socket exists; so do new ones during shutdown.
      // (Polling here; WebSocket upgrades just below, where engine.io would answer 400.)
      allowRequest: (req: IncomingMessage, callback) => callback(null, admits(req)),
      pingInterval: options.pingIntervalMs ?? 25_000,
      pingTimeout: options.pingTimeoutMs ?? 20_000,
      // A join is ~100 bytes; anything near this size is not a client of ours.
      maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
      // Per-connection zlib contexts cost ~300 KB each; our messages are a few hundred bytes.
      perMessageDeflate: false,
      // An Engine.IO session that never sends its socket.io CONNECT is dropped sooner than socket.io's 45 s.
      connectTimeout: 10_000,
    },
  );
  refuseUpgradesWith403(io.engine, admits);

  const redisPrefix = options.redisPrefix ?? "crowdline";
  const redisClients: ReturnType<typeof createClient>[] = [];
  let presenceRedis: ReturnType<typeof createClient> | undefined;
  if (options.redisUrl) {
    const publisher = createClient({ url: options.redisUrl });
    const subscriber = publisher.duplicate();
    // Presence reads must fail fast while Redis is away, not queue up and hold every join ack.
    presenceRedis = publisher.duplicate({ disableOfflineQueue: true });
    for (const client of [publisher, subscriber, presenceRedis]) {
      client.on("error", (error: Error) => logger.error({ err: error.message }, "redis connection error (live layer)"));
    }
    await Promise.all([publisher.connect(), subscriber.connect(), presenceRedis.connect()]);
    redisClients.push(publisher, subscriber, presenceRedis);
    io.adapter(createAdapter(publisher, subscriber, { key: `${redisPrefix}:socket.io` }));
  }
  const clustered = presenceRedis !== undefined;

  const { adapter } = io.sockets;
  const presence = new Presence({
    logger,
    localCount: (questionId) => adapter.rooms.get(questionRoom(questionId))?.size ?? 0,
    announce: guarded("presence announcement", (questionId: string, count: number) =>
      io.local.to(questionRoom(questionId)).emit("question:presence", { questionId, count }),
    ),
    redis: presenceRedis && {
      client: presenceRedis,
      keyPrefix: redisPrefix,
      instanceId: randomUUID(),
      notifyOthers: guarded("presence notice", (questionId: string) => io.serverSideEmit("crowdline:presence", questionId)),
    },
  });
  const broadcasts = new CrowdBroadcasts({
    io,
    logger,
    // Runs in the action that saved (a failure here must not turn a committed save into a 500)
    // and on the window's timer.
    fanOut: guarded("aggregate fan-out", (message: CrowdMessage) => {
      broadcasts.deliver(message);
      if (clustered) io.serverSideEmit("crowdline:aggregate", message);
    }),
  });
  io.on("crowdline:aggregate", guarded("crowdline:aggregate", (message: CrowdMessage) => broadcasts.deliver(message)));
  io.on("crowdline:presence", guarded("crowdline:presence", (questionId: string) => presence.othersChanged(questionId)));

  // Room membership drives presence and the crowd rooms' bookkeeping, whatever caused it: a join,
  // a leave, a reveal or a disconnect.
  adapter.on("join-room", guarded("join-room", (room: string) => {
    const parsed = parseRoom(room);
    if (parsed?.kind === "question") presence.localChanged(parsed.questionId);
  }));
  adapter.on("leave-room", guarded("leave-room", (room: string) => {
    const parsed = parseRoom(room);
    if (parsed?.kind === "question") presence.localChanged(parsed.questionId);
  }));
  adapter.on("delete-room", guarded("delete-room", (room: string) => {
    const parsed = parseRoom(room);
    if (parsed?.kind === "crowd") broadcasts.forget(parsed.questionId);
  }));

  io.use(guarded("handshake", async (socket: CrowdlineSocket, next: (error?: Error) => void) => {
    socket.data.budget = newEventBudget(limits, performance.now());
    const cookieHeader = socket.handshake.headers.cookie;
    // Nothing after this needs the token; it stays out of anything that might log the handshake.
    delete socket.handshake.headers.cookie;
    try {
      const sessionId = sessionIdOfHandshake(options.sessionCookie, cookieHeader);
      const viewer = sessionId ? await viewerOfSession(sessionId) : null;
      if (viewer) {
        socket.data.sessionId = sessionId!;
        socket.data.userId = viewer.userId;
        socket.data.hideCrowdUntilForecast = viewer.hideCrowdUntilForecast;
      }
    } catch (error) {
      // Anonymous is the safe side: it sees no more than any visitor.
      logger.warn({ err: (error as Error).message }, "socket session lookup failed; continuing anonymous");
    }
    next();
  }));

  /** A signed-in socket's viewer as of now: signed out meanwhile means anonymous from here on. */
  async function currentViewer(socket: CrowdlineSocket) {
    const { sessionId, userId } = socket.data;
    if (!sessionId || !userId) return null;
    const viewer = await viewerOfSession(sessionId);
    if (!viewer) {
      void socket.leave(userRoom(userId));
      socket.data.sessionId = socket.data.userId = socket.data.hideCrowdUntilForecast = undefined;
      return null;
    }
    socket.data.hideCrowdUntilForecast = viewer.hideCrowdUntilForecast;
    return viewer;
  }

  /** Runs a join's reads; `cancelled` when a leave of the same question arrived meanwhile. */
  async function whileJoining<T>(socket: CrowdlineSocket, questionId: string, read: () => Promise<T>) {
    const joining = (socket.data.joining ??= new Map());
    joining.set(questionId, (joining.get(questionId) ?? 0) + 1);
    try {
      return { value: await read(), cancelled: !joining.has(questionId) };
    } finally {
      const left = (joining.get(questionId) ?? 1) - 1;
      if (left > 0) joining.set(questionId, left);
      else joining.delete(questionId);
      if (joining.size === 0 && socket.data.joining === joining) socket.data.joining = undefined;
    }
  }

  const questionRoomsOf = (socket: CrowdlineSocket) => {
    let count = 0;
    for (const room of socket.rooms) if (parseRoom(room)?.kind === "question") count++;
    return count;
  };

  async function join(socket: CrowdlineSocket, rawQuestionId: unknown): Promise<JoinAck | null> {
    const parsed = questionIdSchema.safeParse(rawQuestionId);
    if (!parsed.success) return joinError("invalid_question_id", "questionId must be a question id string");
    const questionId = parsed.data;
    const room = questionRoom(questionId);
    const tooMany = () => !socket.rooms.has(room) && questionRoomsOf(socket) >= MAX_ROOMS_PER_CONNECTION;
    if (tooMany()) return joinError("too_many_rooms", `At most ${MAX_ROOMS_PER_CONNECTION} questions per connection; leave one first`);

    const watchedAtRead = broadcasts.watchToken(questionId);
    const { value, cancelled } = await whileJoining(socket, questionId, async () => {
      const state = await readQuestionLiveStateForJoin(questionId);
      return state && { state, visible: await seesCrowd(questionId, state.revealCrowd, await currentViewer(socket)) };
    });
    if (!value) return joinError("question_not_found", `No question with id ${questionId}`);
    let { state } = value;
    const { visible } = value;
    // Joining a room after the socket has gone would leave it there for good.
    if (!socket.connected) return null;
    if (tooMany()) return joinError("too_many_rooms", `At most ${MAX_ROOMS_PER_CONNECTION} questions per connection; leave one first`);

    // A client that left before its join completed gets its answer and no room.
    if (!cancelled) {
      void socket.join(room);
      broadcasts.admit(socket, questionId, state.revealCrowd, visible);
    }
    if (!cancelled && visible && (watchedAtRead === undefined || broadcasts.watchToken(questionId) !== watchedAtRead)) {
      // Nobody here kept this crowd's aggregates for the whole time since the read, so one
      // delivered before the join may be newer than what was read: the database tells.
      const version = await getAggregateVersion(questionId);
      if (version !== null && version > state.version) state = (await getQuestionLiveState(questionId)) ?? state;
    }
    // A broadcast may have reached the room after the read: the ack never shows less than it did.
    const latest = visible ? broadcasts.latest(questionId) : undefined;
    const fromRoom = latest && latest.version > state.version;
    return {
      questionId,
      version: fromRoom ? latest.version : state.version,
      aggregate: visible ? (fromRoom ? latest.aggregate : state.aggregate) : null,
      baseline: state.baseline,
      presence: await presence.count(questionId),
    };
  }

  io.on("connection", guarded("connection", (socket: CrowdlineSocket) => {
    const { userId } = socket.data;
    logger.info({ socket: socket.id, transport: socket.conn.transport.name, user: userId ?? null }, "socket connected");
    if (userId) void socket.join(userRoom(userId));

    socket.use(guarded("event budget", (packet: EventPacket, next: (error?: Error) => void) => {
      const verdict = chargeEvent(socket.data.budget, limits, performance.now());
      if (verdict === "disconnect") {
        logger.warn({ socket: socket.id }, "socket kept flooding past its event budget; disconnecting");
        socket.disconnect(true);
        return;
      }
      const ack = packet.at(-1);
      if (verdict === "refused") {
        if (typeof ack === "function") ack(joinError("rate_limited", `At most ${limits.perSecond} events a second; slow down`));
        return;
      }
      // Unknown events are dropped here, before socket.io looks for a listener.
      if (KNOWN_EVENTS.has(String(packet[0]))) next();
    }));

    socket.on("question:join", guarded("question:join", async (rawQuestionId: unknown, ack: unknown) => {
      // A client may omit the ack; answering nothing is then the only option.
      const reply = (response: JoinAck | null) => {
        if (response && typeof ack === "function" && socket.connected) ack(response);
      };
      try {
        reply(await join(socket, rawQuestionId));
      } catch (error) {
        logger.error({ err: (error as Error).message, socket: socket.id }, "question:join failed");
        reply(joinError("server_error", "Could not load the question; try again"));
      }
    }));

    socket.on("question:leave", guarded("question:leave", (rawQuestionId: unknown) => {
      const parsed = questionIdSchema.safeParse(rawQuestionId);
      if (!parsed.success) return;
      socket.data.joining?.delete(parsed.data);
      void socket.leave(crowdRoom(parsed.data));
      void socket.leave(questionRoom(parsed.data));
    }));

    socket.on("disconnect", guarded("disconnect", (reason: string) => {
      logger.info({ socket: socket.id, reason }, "socket disconnected");
    }));
  }));

  return {
    io,
    publishAggregate(update) {
      if (!closing) broadcasts.publish(update);
    },
    publishComment({ questionId, comment }) {
      if (closing) return;
      // Not coalesced: comments are rate-limited per user, and each one is news. Through the
      // adapter, so every instance's sockets hear it. One turn later, so that the poster's answer
      // does not wait for a write to every socket (~20 µs each).
      setImmediate(guarded("comment broadcast", () => {
        if (closing) return;
        io.to(crowdRoom(questionId)).emit("question:comment", { questionId, comment });
        io.to(questionRoom(questionId))
          .except(crowdRoom(questionId))
          .emit("question:comment", { questionId, comment: { ...comment, forecastAtPosting: null, currentForecast: null } });
      }));
    },
    tracked: () => ({ presence: presence.tracked, ...broadcasts.tracked }),
    async close() {
      if (closing) return;
      closing = true;
      // Each client waits its own random delay, so that a full instance's readers do not all land
      // on the next one in the same second. socket.io clients do not reconnect by themselves after
      // a server-side disconnect: the page does, on this event.
      const spread = options.reconnectSpreadMs ?? 3_000;
      // Stops counting at once (the disconnects below must not be announced), then removes this
      // instance's counts from Redis while the sockets close.
      const presenceClosed = presence.close();
      broadcasts.close();
      const connectionsClosed: Promise<void>[] = [];
      for (const socket of io.sockets.sockets.values()) {
        connectionsClosed.push(new Promise((resolve) => socket.conn.once("close", () => resolve())));
        socket.emit("server:restarting", { reconnectAfterMs: randomInt(0, spread + 1) });
        // Sends socket.io's DISCONNECT, after which a client does not reconnect by itself, then
        // closes the connection once both messages are written.
        socket.disconnect(true);
      }
      await presenceClosed;
      // io.close() discards whatever is still unsent, so it waits for the connections to finish;
      // a client too slow to take two small messages is cut.
      await Promise.race([Promise.all(connectionsClosed), new Promise((resolve) => setTimeout(resolve, SOCKETS_CLOSE_TIMEOUT_MS).unref())]);
      await io.close();
      await Promise.all(redisClients.map((client) => client.quit().catch(() => undefined)));
    },
  };
}
