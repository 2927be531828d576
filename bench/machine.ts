// The machine a report was produced on: figures from a laptop and from a 2-core CI runner are not
// comparable, so every report says which one it came from.
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function cpuModel(): string {
  // /proc/cpuinfo is the source the figures are usually compared by; os.cpus() covers other systems.
  const fromProc = /^model name\s*:\s*(.+)$/m.exec(readOrEmpty("/proc/cpuinfo"))?.[1]?.trim();
  return fromProc || os.cpus()[0]?.model.trim() || "unknown";
}

function osName(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readOrEmpty("/etc/os-release"))?.[1];
  const kernel = `${os.type()} ${os.release()} ${os.arch()}`;
  return pretty ? `${pretty} (${kernel})` : kernel;
}

export function describeMachine(): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: osName(),
    loadAverage: os.loadavg()[0] ?? 0,
  };
}
