// Looks into a running server from outside it, for the live bench: the server is started with
// `--inspect=127.0.0.1:<port>` and this process talks to its inspector (Chrome DevTools protocol).
// Neither the app nor the bare server needs an endpoint or code of its own for it, so the app is
// measured exactly as it ships, and a CPU profile covers just the measured window, not start-up
// and thousands of joins.
//
//   memory <port> gc|nogc             prints process.memoryUsage() as JSON, after a full GC if asked
//   profile <port> <out.json>         samples the CPU from when it prints "started" until its
//                                     stdin closes, then writes the .cpuprofile and exits
//
// Runs as `node [--experimental-websocket] --import tsx bench/live-inspector.ts …`: Node 20 has a
// WebSocket client only behind that flag.
import { writeFileSync } from "node:fs";

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

interface Session {
  call: (method: string, params?: object) => Promise<unknown>;
  close: () => void;
}

async function connect(port: number): Promise<Session> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`could not open ${url}`));
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.onmessage = (message) => {
    const { id, result, error } = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = id === undefined ? undefined : pending.get(id);
    if (!waiting) return;
    if (error) waiting.reject(new Error(`inspector: ${error.message}`));
    else waiting.resolve(result);
  };
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

async function memory(session: Session, collectGarbage: boolean): Promise<ServerMemory> {
  // Twice: what finalizers and weak references hold is freed only by a second collection.
  if (collectGarbage) {
    await session.call("HeapProfiler.collectGarbage");
    await session.call("HeapProfiler.collectGarbage");
  }
  const evaluated = (await session.call("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true })) as {
    result: { value: string };
  };
  return JSON.parse(evaluated.result.value) as ServerMemory;
}

async function profile(session: Session, outFile: string): Promise<void> {
  await session.call("Profiler.enable");
  // 1 ms, as `node --cpu-prof` samples: fine enough for a window of a few seconds.
  await session.call("Profiler.setSamplingInterval", { interval: 1000 });
  await session.call("Profiler.start");
  // The caller starts its measured window on this line and ends it by closing stdin.
  console.log("started");
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once("end", resolve));
  const { profile: result } = (await session.call("Profiler.stop")) as { profile: unknown };
  writeFileSync(outFile, JSON.stringify(result));
}

const [mode, port, ...rest] = process.argv.slice(2);
const usage = "usage: live-inspector.ts memory <port> gc|nogc | profile <port> <out.json>";
if (!port || (mode === "memory" && rest[0] !== "gc" && rest[0] !== "nogc") || (mode === "profile" && rest.length !== 1) || (mode !== "memory" && mode !== "profile")) {
  console.error(usage);
  process.exit(2);
}
const session = await connect(Number(port));
try {
  if (mode === "memory") console.log(JSON.stringify(await memory(session, rest[0] === "gc")));
  else await profile(session, rest[0]!);
} finally {
  session.close();
}
