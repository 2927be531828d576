import { readdirSync } from "node:fs";
import { createDb } from "../app/db.server";
import { ensureSqliteDirectory, redactPassword, resolveDatabaseUrl, type ResolvedDatabase } from "./database-url";
import { configPaths, migrationFolders, runPrisma } from "./tools/prisma-cli";

export class MigrationError extends Error {}

/**
 * Whether Prisma's own ledger already records every migration we ship as applied. `migrate
 * deploy` takes ~11 s on PostgreSQL even with nothing to do (a timer in its Wasm engine), so a
 * restart skips it when this says so; anything unexpected (no ledger yet, a failed or rolled-back
 * row, no connection) leaves the decision to `migrate deploy`.
 */
async function allMigrationsApplied(database: ResolvedDatabase): Promise<boolean> {
  const shipped = readdirSync(migrationFolders[database.provider], { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const db = createDb(database.url);
  try {
    const rows = await db.$queryRawUnsafe<{ migration_name: string; finished_at: unknown; rolled_back_at: unknown }[]>(
      "SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations",
    );
    if (rows.some((row) => row.finished_at === null || row.rolled_back_at !== null)) return false;
    const applied = new Set(rows.map((row) => row.migration_name));
    return shipped.every((name) => applied.has(name));
  } catch {
    return false;
  } finally {
    await db.$disconnect();
  }
}

/** Applies pending migrations with `prisma migrate deploy` (creating the SQLite file if needed). */
export async function deployMigrations(rawUrl: string | undefined = process.env.DATABASE_URL): Promise<{ applied: boolean }> {
  const database = resolveDatabaseUrl(rawUrl);
  if (database.provider === "sqlite") ensureSqliteDirectory(database.url);
  if (await allMigrationsApplied(database)) {
    if (database.provider === "sqlite") await useWriteAheadLog(database.url);
    return { applied: false };
  }
  const run = await runPrisma(["migrate", "deploy", "--config", configPaths[database.provider]], database.url);
  if (run.code !== 0) {
    const reason = run.output.split("\n").filter((line) => /error|P\d{4}/i.test(line)).slice(0, 3).join(" ").trim();
    throw new MigrationError(
      `Could not apply migrations to ${redactPassword(database.url)}: ${reason || run.output.trim().slice(-400)}`,
    );
  }
  if (database.provider === "sqlite") await useWriteAheadLog(database.url);
  return { applied: true };
}

/**
 * WAL lets pages read while a forecast batch commits, and commits append to one log instead of
 * rewriting pages twice. The mode is stored in the database file, so setting it once here holds
 * for every later connection. The default synchronous=FULL stays: a commit is on disk before
 * the forecast it holds is acknowledged.
 */
async function useWriteAheadLog(url: string): Promise<void> {
  const db = createDb(url);
  try {
    await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  } finally {
    await db.$disconnect();
  }
}
