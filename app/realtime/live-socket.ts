import type { Socket } from "socket.io-client";
import type { ClientToServerEvents, SOCKET_PATH, ServerToClientEvents } from "./contract";
import { isPresenceEvent, isRestartingEvent, isSnapshotFor, joinRefusal, parseAggregateEvent, parseCommentEvent, type LiveAction } from "./live-state";

/**
 * The page's one socket.io connection, shared by every live question on it. Components watch a
 * question and receive reducer actions (live-state.ts); this module joins and leaves rooms, joins
 * again after every reconnect, and reconnects where socket.io would not by itself.
 *
 * socket.io-client is imported on first use, in its own chunk: it is not needed to show a page,
 * only to keep it current, so it should not hold up hydration.
 */

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Listener = (action: LiveAction) => void;

interface Watch {
  questionId: string;
  listener: Listener;
  /** Bumped by every join sent, so that the ack of a superseded one is ignored. */
  attempt: number;
  failures: number;
  pending: boolean;
  retry: ReturnType<typeof setTimeout> | null;
}

// Typed against the contract, so that moving the path there fails the type check here. The
// value itself is not imported: contract.ts would bring zod along into every page's script.
const PATH: typeof SOCKET_PATH = "/socket.io";
const JOIN_TIMEOUT_MS = 5_000;
const MAX_JOIN_RETRY_MS = 30_000;
// Moving from the article to one of its questions should not cost a new handshake.
const IDLE_DISCONNECT_MS = 15_000;
// A server that drops us without the restart notice: come back, but not all readers at once.
const UNANNOUNCED_RECONNECT_MS = { min: 1_000, spread: 4_000 };

const watches = new Set<Watch>();
let connection: { socket: LiveSocket; dispose: () => void } | null = null;
let opening: Promise<LiveSocket | null> | null = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

const broadcast = (action: LiveAction) => watches.forEach((watch) => watch.listener(action));
const sendTo = (questionId: string, action: LiveAction) =>
  watches.forEach((watch) => {
    if (watch.questionId === questionId) watch.listener(action);
  });
const watched = (questionId: string) => [...watches].some((watch) => watch.questionId === questionId);

function clearRetry(watch: Watch) {
  if (watch.retry) clearTimeout(watch.retry);
  watch.retry = null;
}

function join(watch: Watch) {
  const socket = connection?.socket;
  // Emits while disconnected would be buffered and sent on reconnect, next to the joins that
  // "connect" sends anyway.
  if (!socket?.connected) return;
  clearRetry(watch);
  const attempt = ++watch.attempt;
  watch.pending = true;
  socket.timeout(JOIN_TIMEOUT_MS).emit("question:join", watch.questionId, (error: Error | null, ack: unknown) => {
    if (attempt !== watch.attempt) return;
    watch.pending = false;
    if (!watches.has(watch)) {
      // Unwatched while the join was on its way: the leave sent then would have arrived first.
      if (!error && !watched(watch.questionId) && socket.connected) socket.emit("question:leave", watch.questionId);
      return;
    }
    if (!error && isSnapshotFor(watch.questionId, ack)) {
      watch.failures = 0;
      watch.listener({ type: "snapshot", snapshot: ack });
      return;
    }
    const refusal = error ? null : joinRefusal(ack);
    if (refusal?.permanent) {
      watch.listener({ type: "join-refused", permanent: true });
      return;
    }
    // A timeout, a busy server or a garbled answer: ask again, less and less often.
    watch.listener({ type: "join-refused", permanent: false });
    const delay = Math.min(MAX_JOIN_RETRY_MS, 1_000 * 2 ** watch.failures) * (0.75 + Math.random() / 2);
    watch.failures += 1;
    watch.retry = setTimeout(() => join(watch), delay);
  });
}

function reconnectAfter(delay: number) {
  if (reconnectTimer) clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    if (watches.size > 0) connection?.socket.connect();
  }, delay);
}

function wire(socket: LiveSocket): () => void {
  const onConnect = () => {
    watches.forEach((watch) => {
      watch.failures = 0;
      join(watch);
    });
  };
  const onDisconnect = (reason: Socket.DisconnectReason) => {
    // A reply to a join sent on the old connection can no longer arrive; "connect" joins again.
    watches.forEach((watch) => {
      clearRetry(watch);
      watch.pending = false;
      watch.attempt += 1;
    });
    broadcast({ type: "connection-lost" });
    // socket.io reconnects by itself after network trouble, never after the server hung up.
    if (reason === "io server disconnect" && !reconnectTimer) {
      reconnectAfter(UNANNOUNCED_RECONNECT_MS.min + Math.random() * UNANNOUNCED_RECONNECT_MS.spread);
    }
  };
  const onConnectError = () => broadcast({ type: "connect-failed" });
  const onAggregate = (payload: unknown) => {
    const event = parseAggregateEvent(payload);
    if (event) sendTo(event.questionId, { type: "aggregate", event });
  };
  const onComment = (payload: unknown) => {
    const event = parseCommentEvent(payload);
    if (event) sendTo(event.questionId, { type: "comment", event });
  };
  const onPresence = (payload: unknown) => {
    if (isPresenceEvent(payload)) sendTo(payload.questionId, { type: "presence", count: payload.count });
  };
  const onRestarting = (payload: unknown) => {
    if (!isRestartingEvent(payload)) return;
    // This instance is going away; the next connection should reach another one (or this one,
    // restarted) after the delay the server chose, which spreads readers out.
    socket.disconnect();
    reconnectAfter(payload.reconnectAfterMs);
  };
  const onOffline = () => broadcast({ type: "browser-offline" });
  const onOnline = () => {
    if (watches.size === 0 || reconnectTimer) return;
    // The connection may have outlived the outage without noticing it; joining again both
    // confirms it and catches up on whatever was missed.
    if (socket.connected) watches.forEach(join);
    else socket.connect();
  };

  socket.on("connect", onConnect);
  socket.on("disconnect", onDisconnect);
  socket.on("connect_error", onConnectError);
  socket.on("question:aggregate", onAggregate);
  socket.on("question:presence", onPresence);
  socket.on("question:comment", onComment);
  socket.on("server:restarting", onRestarting);
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  return () => {
    socket.off("connect", onConnect);
    socket.off("disconnect", onDisconnect);
    socket.off("connect_error", onConnectError);
    socket.off("question:aggregate", onAggregate);
    socket.off("question:presence", onPresence);
    socket.off("question:comment", onComment);
    socket.off("server:restarting", onRestarting);
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("online", onOnline);
  };
}

function open(): Promise<LiveSocket | null> {
  if (connection) return Promise.resolve(connection.socket);
  opening ??= import("socket.io-client")
    .then(({ io }) => {
      const socket: LiveSocket = io({
        path: PATH,
        // WebSocket first; long polling only where a proxy or network refuses it.
        transports: ["websocket", "polling"],
        tryAllTransports: true,
        autoConnect: false,
      });
      connection = { socket, dispose: wire(socket) };
      socket.connect();
      return socket;
    })
    .catch(() => {
      // The chunk did not load (offline, or a deploy removed it); the next watch tries again.
      broadcast({ type: "connect-failed" });
      return null;
    })
    .finally(() => {
      opening = null;
    });
  return opening;
}

function closeWhenIdle() {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (watches.size > 0 || !connection) return;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    connection.dispose();
    connection.socket.disconnect();
    connection = null;
  }, IDLE_DISCONNECT_MS);
}

/**
 * Follows one question: `listener` gets its snapshot on every (re)join, its aggregates and its
 * presence, and the connection's ups and downs. Call the returned function to stop; the room is
 * left when the page no longer watches the question at all. Browser only.
 */
export function watchQuestion(questionId: string, listener: Listener): () => void {
  const watch: Watch = { questionId, listener, attempt: 0, failures: 0, pending: false, retry: null };
  watches.add(watch);
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  if (navigator.onLine === false) listener({ type: "browser-offline" });

  void open().then((socket) => {
    if (!socket || !watches.has(watch)) return;
    // "connect" has joined it already if the connection came up before this ran.
    if (socket.connected && watch.attempt === 0) join(watch);
    else if (!socket.active && !reconnectTimer) socket.connect();
  });

  return () => {
    if (!watches.delete(watch)) return;
    clearRetry(watch);
    const socket = connection?.socket;
    // With a join still unanswered the server may not have us in the room yet; the ack handler leaves then.
    if (socket?.connected && !watch.pending && !watched(questionId)) socket.emit("question:leave", questionId);
    if (watches.size === 0) closeWhenIdle();
  };
}
