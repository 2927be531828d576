// Which code a report measured. The working tree is what gets built, so uncommitted changes (by
// whoever is editing) are part of the figures and the report has to say so.
import { execFileSync } from "node:child_process";
import { projectRoot } from "./harness";

function git(args: string[]): string {
  // Not trimmed: in `git status --porcelain` a leading space is part of the status code.
  return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

export function describeCodeVersion(): string {
  try {
    const commit = git(["rev-parse", "--short", "HEAD"]).trim();
    // The benches and their report change nothing that is measured.
    const changed = git(["status", "--porcelain"])
      .split("\n")
      .filter((line) => line && !/^.. (bench\/|docs\/PERFORMANCE\.md$)/.test(line));
    if (changed.length === 0) return commit;
    return `${commit} + uncommitted changes in ${changed.length} ${changed.length === 1 ? "file" : "files"}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}
