// The live bench's side of its listener processes (bench/live-listeners.ts): starts them, splits
// each step between them and merges their replies, so the bench reads as if one client held every
// connection. Several processes because one event loop cannot take thousands of messages at the
// pace a broadcast delivers them, and one process's open-file limit caps its connections.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { projectRoot } from "./harness";
import type { CollectedReceipts, ListenerCommand, ListenerPlan, ListenerReply, StepReply } from "./live-listeners";

const script = path.join(projectRoot, "bench/live-listeners.ts");
// Far apart, so that the processes' source addresses never meet however many connections each opens.
const ADDRESSES_PER_PROCESS = 1 << 20;

// Ctrl-C reaches only the runner when it is not run from a terminal; the listeners must stop with it.
const started = new Set<ChildProcess>();
process.on("exit", () => started.forEach((child) => child.kill("SIGKILL")));

interface Member {
  child: ChildProcess;
  replies: AsyncIterator<string>;
  stderr: () => string;
}

export interface FleetStep {
  done: number;
  failed: number;
  timedOut: boolean;
  /** The slowest process's time: the step ends when every process has finished it. */
  ms: number;
  errorSamples: string[];
  version: number;
  presenceMessages: number;
  dropped: number;
  dropReasons: string[];
}

export class ListenerFleet {
  private constructor(
    private readonly members: Member[],
    private readonly dir: string,
  ) {}

  static start(processes: number, tmpDir: string, concurrency: number): ListenerFleet {
    const dir = mkdtempSync(path.join(tmpDir, "live-listeners-"));
    const members = Array.from({ length: processes }, (_, index): Member => {
      const planFile = path.join(dir, `plan-${index}.json`);
      const plan: ListenerPlan = { firstAddressIndex: index * ADDRESSES_PER_PROCESS, concurrency };
      writeFileSync(planFile, JSON.stringify(plan));
      // Each connection is a file descriptor: take the hard limit, whatever soft one the shell set.
      const child = spawn("/bin/sh", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "sh", process.execPath, "--import", "tsx", script, planFile], {
        cwd: projectRoot,
        stdio: ["pipe", "pipe", "pipe"],
      });
      started.add(child);
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      return { child, replies: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), stderr: () => stderr };
    });
    return new ListenerFleet(members, dir);
  }

  get pids(): number[] {
    return this.members.map((member) => member.child.pid!);
  }

  private async ask(member: Member, command: ListenerCommand): Promise<StepReply> {
    member.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const line = await member.replies.next();
    if (line.done) throw new Error(`a listener process exited during "${command.command}":\n${member.stderr()}`);
    const reply = JSON.parse(line.value) as ListenerReply;
    if (!reply.ok) throw new Error(`a listener process failed "${command.command}": ${reply.error}`);
    return reply;
  }

  private async everywhere(commandOf: (index: number) => ListenerCommand): Promise<FleetStep> {
    const replies = await Promise.all(this.members.map((member, index) => this.ask(member, commandOf(index))));
    return {
      done: replies.reduce((sum, reply) => sum + reply.done, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
      timedOut: replies.some((reply) => reply.timedOut),
      ms: Math.max(...replies.map((reply) => reply.ms)),
      errorSamples: replies.flatMap((reply) => reply.errorSamples).slice(0, 5),
      version: Math.max(0, ...replies.map((reply) => reply.version ?? 0)),
      presenceMessages: replies.reduce((sum, reply) => sum + reply.presenceMessages, 0),
      dropped: replies.reduce((sum, reply) => sum + reply.dropped, 0),
      dropReasons: [...new Set(replies.flatMap((reply) => reply.dropReasons))],
    };
  }

  /** Brings the fleet to `total` open sockets, split evenly between the processes. */
  connect(origin: string, total: number, deadlineMs: number): Promise<FleetStep> {
    const share = (index: number) => Math.floor(total / this.members.length) + (index < total % this.members.length ? 1 : 0);
    return this.everywhere((index) => ({ command: "connect", origin, total: share(index), deadlineMs }));
  }

  join(questionId: string, deadlineMs: number): Promise<FleetStep> {
    return this.everywhere(() => ({ command: "join", questionId, deadlineMs }));
  }

  /** Per version, every joined socket's receipt time, and how many never got it. */
  async collect(versions: number[]): Promise<{ receipts: CollectedReceipts; step: FleetStep }> {
    const files = this.members.map((_, index) => path.join(this.dir, `receipts-${index}.json`));
    const step = await this.everywhere((index) => ({ command: "collect", versions, file: files[index]! }));
    const parts = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as CollectedReceipts);
    const receipts = {
      receivedAt: versions.map((_, index) => parts.flatMap((part) => part.receivedAt[index]!)),
      missing: versions.map((_, index) => parts.reduce((sum, part) => sum + part.missing[index]!, 0)),
    };
    return { receipts, step };
  }

  disconnect(): Promise<FleetStep> {
    return this.everywhere(() => ({ command: "disconnect" }));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(
        (member) =>
          new Promise<void>((resolve) => {
            if (member.child.exitCode !== null) return resolve();
            const timer = setTimeout(() => member.child.kill("SIGKILL"), 5_000);
            member.child.once("exit", () => {
              clearTimeout(timer);
              started.delete(member.child);
              resolve();
            });
            member.child.stdin!.end();
          }),
      ),
    );
  }
}
