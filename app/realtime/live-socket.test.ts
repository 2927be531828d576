import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveAction } from "./live-state";

/**
 * The connection manager against a stand-in for socket.io-client's Socket: which rooms it joins
 * and leaves, and when it reconnects. Timers are faked; nothing here touches a network.
 */

type Handler = (...args: unknown[]) => void;
interface SentJoin {
  questionId: string;
  timeoutMs: number;
  ack: (error: Error | null, response?: unknown) => void;
}

class FakeSocket {
  connected = false;
  active = false;
  handlers = new Map<string, Set<Handler>>();
  joins: SentJoin[] = [];
  emitted: [string, ...unknown[]][] = [];
  connectCalls = 0;
  disconnectCalls = 0;

  on(event: string, handler: Handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(handler);
    return this;
  }
  off(event: string, handler: Handler) {
    this.handlers.get(event)?.delete(handler);
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    this.emitted.push([event, ...args]);
    return this;
  }
  timeout(timeoutMs: number) {
    return {
      emit: (_event: "question:join", questionId: string, ack: SentJoin["ack"]) => {
        this.joins.push({ questionId, timeoutMs, ack });
      },
    };
  }
  connect() {
    this.connectCalls += 1;
    this.active = true;
    return this;
  }
  disconnect() {
    this.disconnectCalls += 1;
    this.active = false;
    if (this.connected) this.drop("io client disconnect");
    return this;
  }

  fire(event: string, ...args: unknown[]) {
    this.handlers.get(event)?.forEach((handler) => handler(...args));
  }
  /** The server accepted the connection. */
  up() {
    this.connected = true;
    this.active = true;
    this.fire("connect");
  }
  drop(reason: string) {
    this.connected = false;
    if (reason === "io server disconnect" || reason === "io client disconnect") this.active = false;
    this.fire("disconnect", reason);
  }
  listenerCount() {
    return [...this.handlers.values()].reduce((sum, set) => sum + set.size, 0);
  }
  leaves() {
    return this.emitted.filter(([event]) => event === "question:leave").map(([, id]) => id);
  }
}

let socket: FakeSocket;
const ioFactory = vi.fn(() => socket);
vi.mock("socket.io-client", () => ({ io: (...args: unknown[]) => (ioFactory as (...a: unknown[]) => FakeSocket)(...args) }));

const snapshotOf = (questionId: string, version = 3) => ({ questionId, version, aggregate: null, baseline: null, presence: 2 });

async function freshManager() {
  vi.resetModules();
  return import("./live-socket");
}

/** Lets the manager's dynamic import and its promise callbacks run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await vi.dynamicImportSettled();
};

beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  ioFactory.mockClear();
  vi.stubGlobal("window", new EventTarget());
  vi.stubGlobal("navigator", { onLine: true });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("live socket", () => {
  it("opens one connection for the page, on the contract's path, and joins each question once it is up", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    const b: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    watchQuestion("q2", (action) => b.push(action));
    await settle();
    expect(ioFactory).toHaveBeenCalledTimes(1);
    expect(ioFactory.mock.calls[0]).toEqual([expect.objectContaining({ path: "/socket.io", transports: ["websocket", "polling"] })]);
    expect(socket.joins).toHaveLength(0);

    socket.up();
    expect(socket.joins.map((join) => join.questionId)).toEqual(["q1", "q2"]);
    socket.joins[0]!.ack(null, snapshotOf("q1"));
    expect(a).toEqual([{ type: "snapshot", snapshot: snapshotOf("q1") }]);
    expect(b).toEqual([]);
  });

  it("routes broadcasts to the question they are about, and drops malformed ones", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    await settle();
    socket.up();
    const aggregate = { method: "median", centers: [0.5, 0.5], lower: [0.4, 0.4], upper: [0.6, 0.6], count: 2 };
    socket.fire("question:aggregate", { questionId: "q2", version: 4, aggregate, changes: 1 });
    socket.fire("question:aggregate", { questionId: "q1", version: 4, aggregate: { ...aggregate, centers: [2] }, changes: 1 });
    socket.fire("question:aggregate", { questionId: "q1", version: 5, aggregate, changes: 3 });
    socket.fire("question:presence", { questionId: "q1", count: 7 });
    expect(a).toEqual([
      { type: "aggregate", event: { questionId: "q1", version: 5, aggregate, changes: 3 } },
      { type: "presence", count: 7 },
    ]);
  });

  it("joins every question again after a reconnect, and ignores answers meant for the old connection", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    await settle();
    socket.up();
    const stale = socket.joins[0]!;
    socket.drop("transport close");
    expect(a).toEqual([{ type: "connection-lost" }]);
    stale.ack(new Error("operation has timed out"));
    socket.up();
    expect(socket.joins).toHaveLength(2);
    socket.joins[1]!.ack(null, snapshotOf("q1", 9));
    expect(a.at(-1)).toEqual({ type: "snapshot", snapshot: snapshotOf("q1", 9) });
    // No retry was scheduled by the stale failure.
    vi.advanceTimersByTime(60_000);
    expect(socket.joins).toHaveLength(2);
  });

  it("asks again, less and less often, when a join times out or the server is busy; gives up on a missing question", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    await settle();
    socket.up();
    expect(socket.joins[0]!.timeoutMs).toBeGreaterThan(0);
    socket.joins[0]!.ack(new Error("operation has timed out"));
    expect(a).toEqual([{ type: "join-refused", permanent: false }]);
    vi.advanceTimersByTime(1_250);
    expect(socket.joins).toHaveLength(2);
    socket.joins[1]!.ack(null, { error: { code: "rate_limited", message: "later" } });
    vi.advanceTimersByTime(1_400);
    expect(socket.joins).toHaveLength(2);
    vi.advanceTimersByTime(1_200);
    expect(socket.joins).toHaveLength(3);
    socket.joins[2]!.ack(null, { error: { code: "question_not_found", message: "gone" } });
    expect(a.at(-1)).toEqual({ type: "join-refused", permanent: true });
    vi.advanceTimersByTime(120_000);
    expect(socket.joins).toHaveLength(3);
  });

  it("leaves a room when the last watcher of its question stops, and only then", async () => {
    const { watchQuestion } = await freshManager();
    const stopFirst = watchQuestion("q1", () => undefined);
    const stopSecond = watchQuestion("q1", () => undefined);
    await settle();
    socket.up();
    socket.joins.forEach((join) => join.ack(null, snapshotOf("q1")));
    stopFirst();
    expect(socket.leaves()).toEqual([]);
    stopSecond();
    expect(socket.leaves()).toEqual(["q1"]);
  });

  it("leaves once the join is answered when the watcher stopped while it was on its way", async () => {
    const { watchQuestion } = await freshManager();
    const stop = watchQuestion("q1", () => undefined);
    await settle();
    socket.up();
    stop();
    expect(socket.leaves()).toEqual([]);
    socket.joins[0]!.ack(null, snapshotOf("q1"));
    expect(socket.leaves()).toEqual(["q1"]);
  });

  it("on a restart notice, disconnects and comes back after the delay the server asked for", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    await settle();
    socket.up();
    const connectsBefore = socket.connectCalls;
    socket.fire("server:restarting", { reconnectAfterMs: 2_000 });
    expect(socket.disconnectCalls).toBe(1);
    expect(a.at(-1)).toEqual({ type: "connection-lost" });
    vi.advanceTimersByTime(1_999);
    expect(socket.connectCalls).toBe(connectsBefore);
    vi.advanceTimersByTime(1);
    expect(socket.connectCalls).toBe(connectsBefore + 1);
    socket.up();
    expect(socket.joins).toHaveLength(2);
  });

  it("reconnects after an unannounced server-side disconnect, which socket.io leaves alone", async () => {
    const { watchQuestion } = await freshManager();
    watchQuestion("q1", () => undefined);
    await settle();
    socket.up();
    const connectsBefore = socket.connectCalls;
    socket.drop("io server disconnect");
    vi.advanceTimersByTime(5_000);
    expect(socket.connectCalls).toBe(connectsBefore + 1);
  });

  it("says offline when the browser does, and joins again when it is back", async () => {
    const { watchQuestion } = await freshManager();
    const a: LiveAction[] = [];
    watchQuestion("q1", (action) => a.push(action));
    await settle();
    socket.up();
    window.dispatchEvent(new Event("offline"));
    expect(a.at(-1)).toEqual({ type: "browser-offline" });
    // The connection outlived the outage: a fresh join both checks it and catches up.
    window.dispatchEvent(new Event("online"));
    expect(socket.joins).toHaveLength(2);
  });

  it("closes the connection, and takes its listeners off, a while after the page stops watching", async () => {
    const { watchQuestion } = await freshManager();
    const stop = watchQuestion("q1", () => undefined);
    await settle();
    socket.up();
    stop();
    vi.advanceTimersByTime(14_000);
    expect(socket.disconnectCalls).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(socket.disconnectCalls).toBe(1);
    expect(socket.listenerCount()).toBe(0);

    // A later watch starts a new connection.
    const previous = socket;
    socket = new FakeSocket();
    watchQuestion("q2", () => undefined);
    await settle();
    expect(ioFactory).toHaveBeenCalledTimes(2);
    expect(previous.listenerCount()).toBe(0);
  });
});
