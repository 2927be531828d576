import { ensureSqliteDirectory, redactPassword, resolveDatabaseUrl } from "./database-url";
import { configPaths, runPrisma } from "./tools/prisma-cli";

export class MigrationError extends Error {}

/** Applies pending migrations with `prisma migrate deploy` (creating the SQLite file if needed). */
export async function deployMigrations(rawUrl?: string): Promise<void> {
  const database = resolveDatabaseUrl(rawUrl);
  if (database.provider === "sqlite") ensureSqliteDirectory(database.url);
  const run = await runPrisma(["migrate", "deploy", "--config", configPaths[database.provider]], database.url);
  if (run.code !== 0) {
    const reason = run.output.split("\n").filter((line) => /error|P\d{4}/i.test(line)).slice(0, 3).join(" ").trim();
    throw new MigrationError(
      `Could not apply migrations to ${redactPassword(database.url)}: ${reason || run.output.trim().slice(-400)}`,
    );
  }
}
