// `npm run bench [-- <id> …]`: builds a copy of the working tree once, runs the registered benches
// one after another (never in parallel: they would compete for the same cores), prints the results
// and, when every bench ran, rewrites docs/PERFORMANCE.md. A missed target is a finding, not a failure; the exit code is
// non-zero only when a bench could not run.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { articlePageBench } from "./article-page";
import { aggregationBench } from "./aggregation";
import { describeCodeVersion } from "./code-version";
import { discussionBench } from "./discussion";
import { forecastWritesBench } from "./forecast-writes";
import { type Bench, projectRoot, stopAllProcesses } from "./harness";
import { liveBench } from "./live";
import { perPathBench } from "./per-path";
import { describeMachine } from "./machine";
import { type BenchResult, renderConsole, renderMarkdown } from "./report";
import { viralBench } from "./viral";
import { snapshotWorkingTree } from "./working-tree-snapshot";

/** The registry: a new bench is a module exporting a Bench, listed here. */
const benches: Bench[] = [articlePageBench, forecastWritesBench, aggregationBench, liveBench, discussionBench, viralBench, perPathBench];

const reportFile = path.join(projectRoot, "docs/PERFORMANCE.md");
const scratchRoot = path.join(projectRoot, ".tmp");

// Without these, Ctrl-C would end the runner before its exit hook kills the servers it started.
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));

function log(message: string) {
  console.log(`bench: ${message}`);
}

function build(appRoot: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "build", "--silent"], { cwd: appRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build failed (code ${code})`))));
  });
}

function selectBenches(ids: string[]): Bench[] {
  const unknown = ids.filter((id) => !benches.some((bench) => bench.id === id));
  if (unknown.length > 0) {
    // A typo, not a crash: one line, and nothing has been started yet.
    console.error(`bench: unknown bench ${unknown.join(", ")}; known: ${benches.map((bench) => bench.id).join(", ")}`);
    process.exit(2);
  }
  return ids.length === 0 ? benches : benches.filter((bench) => ids.includes(bench.id));
}

async function main(): Promise<void> {
  const selected = selectBenches(process.argv.slice(2));
  mkdirSync(scratchRoot, { recursive: true });
  // Databases and the servers' temp files stay off the (small) system temp directory.
  process.env.TMPDIR ??= scratchRoot;
  const tmpDir = mkdtempSync(path.join(scratchRoot, "bench-"));
  // Also on Ctrl-C, which ends the process without reaching the `finally` below.
  process.on("exit", () => rmSync(tmpDir, { recursive: true, force: true }));
  // Read before any bench loads the machine, so it describes what else was running.
  const machine = describeMachine();
  const date = new Date();
  const codeVersion = describeCodeVersion();
  try {
    const appRoot = snapshotWorkingTree(tmpDir);
    log(`npm run build, in a copy of the working tree at ${path.relative(projectRoot, appRoot)}`);
    await build(appRoot);
    const results: BenchResult[] = [];
    for (const bench of selected) {
      const startedAt = performance.now();
      const report = await bench.run({ appRoot, tmpDir, log });
      results.push({ bench, report, durationMs: performance.now() - startedAt });
    }
    const summary = { date, codeVersion, machine, results };
    console.log(`\n${renderConsole(summary)}\n`);
    if (selected.length === benches.length) {
      writeFileSync(reportFile, renderMarkdown(summary));
      log(`wrote ${path.relative(projectRoot, reportFile)}`);
    } else {
      log(`${path.relative(projectRoot, reportFile)} left as it was: not every bench ran`);
    }
  } finally {
    await stopAllProcesses();
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench: crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
