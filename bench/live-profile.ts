// Where a server's CPU went while the live bench measured broadcasts, from a .cpuprofile taken over
// exactly that window (bench/live-inspector.ts). Self time is grouped by what does the work, so the
// question "is it encoding, framing, the socket writes or the app?" reads off one table.
import { readFileSync } from "node:fs";
import path from "node:path";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds of self time by place, idle left out. */
  byPlace: Map<string, number>;
  byFunction: Map<string, number>;
  busyMs: number;
  windowMs: number;
}

// V8's own entries: "(program)" is native code outside JavaScript (libuv, the socket writes'
// syscalls, the inspector), "(garbage collector)" is GC.
const IDLE = "(idle)";

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName === "stringify" || functionName === "parse" ? `JSON.${functionName}` : functionName || "(native)";
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith("node:")) return `node:${url.slice("node:".length).split("/")[0]}`;
  if (url.startsWith("wasm://")) return "WebAssembly (Prisma query compiler)";
  const file = url.replace(/[?#].*$/, "");
  return file.includes("/build/") ? `build/${path.basename(file)}` : path.basename(file);
}

export function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  let windowMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    windowMs += ms;
    if (!frame || frame.functionName === IDLE) return;
    busyMs += ms;
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    const name = `${frame.functionName || "(anonymous)"} (${place}${frame.url ? `:${frame.lineNumber + 1}` : ""})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  });
  return { byPlace, byFunction, busyMs, windowMs };
}

export function top(map: Map<string, number>, count: number): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
}
