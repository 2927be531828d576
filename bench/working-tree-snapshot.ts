// Benches build and run a private copy of the working tree rather than the checkout itself: a
// rebuild in the checkout (a test run, `npm start`, a colleague) empties public/build/ and swaps
// build/index.js under a running server, which turns a measurement into a stream of 404s. The copy
// also keeps the benches' own builds from doing that to anyone else.
import { cpSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./harness";

/** Outputs, caches, local data and secrets: nothing a build needs, some of it large or private. */
const LEFT_OUT = new Set([
  "node_modules",
  ".git",
  ".tmp",
  ".cache",
  "build",
  "public/build",
  "data",
  "test-results",
  "playwright-report",
  "test/e2e/.output",
  ".env",
]);

/** Copies the working tree into `<tmpDir>/app` and returns that directory (not yet built). */
export function snapshotWorkingTree(tmpDir: string): string {
  const appRoot = path.join(tmpDir, "app");
  mkdirSync(appRoot);
  const keep = (source: string) => !LEFT_OUT.has(path.relative(projectRoot, source).split(path.sep).join("/"));
  // Entry by entry: cpSync refuses to copy a directory into itself (tmpDir is under .tmp/) even
  // when a filter would skip that part.
  for (const entry of readdirSync(projectRoot)) {
    const source = path.join(projectRoot, entry);
    if (keep(source)) cpSync(source, path.join(appRoot, entry), { recursive: true, filter: keep });
  }
  // Shared rather than copied: it is large, and identical for both trees.
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(appRoot, "node_modules"), "dir");
  return appRoot;
}
