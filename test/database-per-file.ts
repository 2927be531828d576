// Each test file gets its own copy of the migrated SQLite template, so files run in parallel
// without seeing each other's rows. Runs before the test file's imports read DATABASE_URL.
import { copyFileSync } from "node:fs";
import path from "node:path";
import { afterAll, inject } from "vitest";

const template = inject("sqliteTemplatePath");
const copy = path.join(path.dirname(template), `file-${process.pid}-${Math.random().toString(36).slice(2)}.db`);
copyFileSync(template, copy);
process.env.DATABASE_URL = `file:${copy}`;
process.env.LOG_LEVEL ??= "silent";

afterAll(async () => {
  await globalThis.__crowdlineDb?.$disconnect();
  globalThis.__crowdlineDb = undefined;
});
