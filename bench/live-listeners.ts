// Listeners for the live bench, run in a process of their own (`node --import tsx
// bench/live-listeners.ts <plan.json>`): thousands of real socket.io clients, each a browser tab's
// connection (websocket transport, the app's Origin), that note when every `question:aggregate`
// reaches them. The bench drives this process with one JSON command per line on stdin and reads one
// JSON reply per command on stdout, so the same clients can join, be measured and leave in steps.
//
// Times are `performance.timeOrigin + performance.now()`: milliseconds on the host's clock, with
// sub-millisecond resolution, comparable across the processes of one machine.
import { writeFileSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, isJoinError, type ClientToServerEvents, type ServerToClientEvents } from "../app/realtime/contract";

export interface ListenerPlan {
  /** Offsets this process's source addresses, so that no two processes share one. */
  firstAddressIndex: number;
  /** Handshakes (or joins) in flight at once: enough to keep the server busy, not a thundering herd. */
  concurrency: number;
}

export type ListenerCommand =
  /** Opens sockets to `origin` until this process holds `total`. */
  | { command: "connect"; origin: string; total: number; deadlineMs: number }
  /** Every socket not yet in the question's room joins it, with its ack; stops starting joins at the deadline. */
  | { command: "join"; questionId: string; deadlineMs: number }
  /** For each version, when each joined socket first held it or a newer one; written to `file`. */
  | { command: "collect"; versions: number[]; file: string }
  | { command: "disconnect" };

export interface StepReply {
  ok: true;
  command: ListenerCommand["command"];
  /** Sockets open (connect), in the room (join), or closed (disconnect) after the step. */
  done: number;
  failed: number;
  /** The step stopped at its deadline with work left. */
  timedOut: boolean;
  ms: number;
  errorSamples: string[];
  /** Highest `version` in the join acks: where the question stood when the listeners arrived. */
  version?: number;
  /** `question:presence` messages received since the previous reply. */
  presenceMessages: number;
  /** Sockets the server (or the network) closed since the previous reply, and why. */
  dropped: number;
  dropReasons: string[];
}

export interface CollectedReceipts {
  /** Per version asked for, the receipt times of the sockets that got it (or a newer one). */
  receivedAt: number[][];
  /** Per version, joined sockets that never got it nor anything newer. */
  missing: number[];
}

export type ListenerReply = StepReply | { ok: false; command: string; error: string };

interface Listener {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  joined: boolean;
  /** Versions in arrival order and their receipt times, side by side. */
  versions: number[];
  times: number[];
}

const clock = () => performance.timeOrigin + performance.now();
const MAX_ERROR_SAMPLES = 5;

/**
 * One loopback address per connection (127.64.0.1, 127.64.0.2, …; all of 127/8 reaches this host):
 * readers arrive from many addresses, so a per-address limit on the server meets them as it would
 * in production, and 15 000 connections never run short of source ports.
 */
function sourceAddress(index: number): string {
  const value = index + 1;
  return `127.${64 + (value >> 16)}.${(value >> 8) & 255}.${value & 255}`;
}

/** Runs `task` over `items` with at most `concurrency` at once; starts no new one after `deadline`. */
async function inPool<T>(items: T[], concurrency: number, deadline: number, task: (item: T) => Promise<void>): Promise<boolean> {
  let next = 0;
  let timedOut = false;
  const worker = async () => {
    while (next < items.length) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      await task(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return timedOut;
}

function main(plan: ListenerPlan) {
  const listeners: Listener[] = [];
  let presenceMessages = 0;
  let dropped = 0;
  const dropReasons = new Set<string>();
  let addressIndex = plan.firstAddressIndex;

  const open = (origin: string) =>
    new Promise<Listener>((resolve, reject) => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(origin, {
        path: SOCKET_PATH,
        transports: ["websocket"],
        // A listener that drops out must show as missing, not come back unnoticed.
        reconnection: false,
        forceNew: true,
        timeout: 30_000,
        localAddress: sourceAddress(addressIndex++),
        extraHeaders: { Origin: origin },
      } as Parameters<typeof io>[1]);
      const listener: Listener = { socket, joined: false, versions: [], times: [] };
      socket.on("question:aggregate", (event) => {
        listener.times.push(clock());
        listener.versions.push(event.version);
      });
      socket.on("question:presence", () => {
        presenceMessages += 1;
      });
      socket.once("connect", () => {
        resolve(listener);
        socket.on("disconnect", (reason) => {
          if (reason === "io client disconnect") return;
          dropped += 1;
          dropReasons.add(reason);
        });
      });
      socket.once("connect_error", (error) => {
        socket.close();
        reject(error);
      });
    });

  const step = (command: ListenerCommand["command"], startedAt: number, done: number, failed: number, timedOut: boolean, errorSamples: string[]): StepReply => {
    const reply: StepReply = {
      ok: true,
      command,
      done,
      failed,
      timedOut,
      ms: performance.now() - startedAt,
      errorSamples,
      presenceMessages,
      dropped,
      dropReasons: [...dropReasons],
    };
    presenceMessages = 0;
    dropped = 0;
    dropReasons.clear();
    return reply;
  };

  const handlers = {
    async connect({ origin, total, deadlineMs }: Extract<ListenerCommand, { command: "connect" }>): Promise<StepReply> {
      const startedAt = performance.now();
      const errors: string[] = [];
      let failed = 0;
      const wanted = Array.from({ length: Math.max(0, total - listeners.length) }, (_, index) => index);
      const timedOut = await inPool(wanted, plan.concurrency, startedAt + deadlineMs, async () => {
        try {
          listeners.push(await open(origin));
        } catch (error) {
          failed += 1;
          if (errors.length < MAX_ERROR_SAMPLES) errors.push((error as Error).message);
        }
      });
      return step("connect", startedAt, listeners.length, failed, timedOut, errors);
    },

    async join({ questionId, deadlineMs }: Extract<ListenerCommand, { command: "join" }>): Promise<StepReply> {
      const startedAt = performance.now();
      const errors: string[] = [];
      let failed = 0;
      let version = 0;
      const timedOut = await inPool(
        listeners.filter((listener) => !listener.joined),
        plan.concurrency,
        startedAt + deadlineMs,
        async (listener) => {
          try {
            const ack = await listener.socket.timeout(60_000).emitWithAck("question:join", questionId);
            if (isJoinError(ack)) throw new Error(`${ack.error.code}: ${ack.error.message}`);
            listener.joined = true;
            version = Math.max(version, ack.version);
          } catch (error) {
            failed += 1;
            if (errors.length < MAX_ERROR_SAMPLES) errors.push((error as Error).message);
          }
        },
      );
      const joined = listeners.filter((listener) => listener.joined).length;
      return { ...step("join", startedAt, joined, failed, timedOut, errors), version };
    },

    async collect({ versions, file }: Extract<ListenerCommand, { command: "collect" }>): Promise<StepReply> {
      const startedAt = performance.now();
      const receivedAt = versions.map((): number[] => []);
      const missing = versions.map(() => 0);
      for (const listener of listeners.filter((candidate) => candidate.joined)) {
        // Both lists ascend (a socket receives versions in order), so one pass serves every version:
        // with coalescing a socket may skip a version and hold the next one instead.
        let position = 0;
        versions.forEach((version, index) => {
          while (position < listener.versions.length && listener.versions[position]! < version) position += 1;
          if (position < listener.versions.length) receivedAt[index]!.push(listener.times[position]!);
          else missing[index]! += 1;
        });
      }
      const collected: CollectedReceipts = { receivedAt, missing };
      writeFileSync(file, JSON.stringify(collected));
      return step("collect", startedAt, listeners.filter((listener) => listener.joined).length, 0, false, []);
    },

    async disconnect(): Promise<StepReply> {
      const startedAt = performance.now();
      const closing = listeners.splice(0);
      closing.forEach((listener) => listener.socket.disconnect());
      return step("disconnect", startedAt, closing.length, 0, false, []);
    },
  };

  const reply = (message: ListenerReply) => process.stdout.write(`${JSON.stringify(message)}\n`);
  // One command at a time, in order: the bench waits for each reply before sending the next.
  let queue = Promise.resolve();
  createInterface({ input: process.stdin }).on("line", (line) => {
    queue = queue.then(async () => {
      let command: ListenerCommand;
      try {
        command = JSON.parse(line) as ListenerCommand;
      } catch {
        reply({ ok: false, command: "?", error: `not JSON: ${line.slice(0, 100)}` });
        return;
      }
      try {
        const handler = handlers[command.command] as (command: ListenerCommand) => Promise<StepReply>;
        reply(await handler(command));
      } catch (error) {
        reply({ ok: false, command: command.command, error: (error as Error).stack ?? String(error) });
      }
    });
  });
  // The bench closing stdin (or dying) ends this process.
  process.stdin.on("end", () => process.exit(0));
}

const [planFile] = process.argv.slice(2);
if (!planFile) {
  console.error("usage: node --import tsx bench/live-listeners.ts <plan.json>");
  process.exit(2);
}
main(JSON.parse(readFileSync(planFile, "utf8")) as ListenerPlan);
