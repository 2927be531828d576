// Generates both Prisma clients (SQLite and PostgreSQL) without any network access.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../database-url";
import { configPaths, placeholderUrls, runPrisma, writePostgresSchema } from "./prisma-cli";

mkdirSync(path.join(projectRoot, ".tmp"), { recursive: true });
mkdirSync(path.join(projectRoot, "prisma/postgres"), { recursive: true });
writePostgresSchema();

for (const provider of ["sqlite", "postgresql"] as const) {
  const run = await runPrisma(["generate", "--config", configPaths[provider]], placeholderUrls[provider]);
  if (run.code !== 0) {
    console.error(`prisma generate (${provider}) failed:\n${run.output}`);
    process.exit(1);
  }
}
console.log("Prisma clients generated (sqlite, postgresql).");
