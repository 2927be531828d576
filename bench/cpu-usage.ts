// Who used the CPU while a load test ran. A throughput figure means little without it: a server
// pinned at one core is CPU-bound (its code is the bottleneck), one well below is waiting on
// something, and CPU used by other processes on the machine means the figure is understated.
// Linux only (/proc); elsewhere the snapshot is undefined and the report says nothing about CPU.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface CpuSnapshot {
  atMs: number;
  /** Non-idle ticks of every core, all processes together. */
  machineBusyTicks: number;
  /** user + system ticks of the watched process. */
  watchedTicks: number;
  /** Ticks of this runner's children that have exited and been reaped (the load generator). */
  reapedChildrenTicks: number;
}

/** Average number of cores kept busy over an interval. */
export interface CpuShares {
  watched: number;
  reapedChildren: number;
  /** Everything else on the machine, this runner included. */
  other: number;
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      // The value on every mainstream Linux build.
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces. */
function processStatFields(pid: number | "self"): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function field(fields: string[], statIndex: number): number {
  // man 5 proc numbers fields from 1, and the two before this slice are pid and comm.
  return Number(fields[statIndex - 3] ?? 0);
}

export function takeCpuSnapshot(watchedPid: number): CpuSnapshot | undefined {
  try {
    const machine = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user, nice, system, irq, softirq: leaves out idle, iowait, time stolen by the hypervisor, and
    // guest time (already inside user and nice).
    const busy = [0, 1, 2, 5, 6].reduce((sum, index) => sum + (machine[index] ?? 0), 0);
    const watched = processStatFields(watchedPid);
    const self = processStatFields("self");
    return {
      atMs: performance.now(),
      machineBusyTicks: busy,
      watchedTicks: field(watched, 14) + field(watched, 15),
      reapedChildrenTicks: field(self, 16) + field(self, 17),
    };
  } catch {
    return undefined;
  }
}

export function cpuSharesBetween(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
  const tickCores = (ticks: number) => ticks / clockTicksPerSecond() / ((after.atMs - before.atMs) / 1000);
  const watched = tickCores(after.watchedTicks - before.watchedTicks);
  const reapedChildren = tickCores(after.reapedChildrenTicks - before.reapedChildrenTicks);
  const machine = tickCores(after.machineBusyTicks - before.machineBusyTicks);
  return { watched, reapedChildren, other: Math.max(0, machine - watched - reapedChildren) };
}
