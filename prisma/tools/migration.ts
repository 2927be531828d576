// `npm run db:migration -- <name>` writes a new migration for both databases from the change
// between the schema as of the last migration (a snapshot beside the migrations) and the current
// schema. `--check` only reports whether such a change exists (exit 1 if a migration is missing).
// Why not `prisma migrate dev`: offline, with the JS schema engine, it reports false drift (docs/decisions/001).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DatabaseProvider } from "../database-url";
import { configPaths, migrationFolders, placeholderUrls, postgresSchemaFrom, runPrisma, schemaPaths, writePostgresSchema } from "./prisma-cli";

const providers: DatabaseProvider[] = ["sqlite", "postgresql"];
// The JS schema engine connects even for a schema-to-schema diff on PostgreSQL, so creating a
// migration needs a reachable server (this machine's, or MIGRATION_POSTGRES_URL).
const diffUrls: Record<DatabaseProvider, string> = {
  sqlite: placeholderUrls.sqlite,
  postgresql: process.env.MIGRATION_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
};
const snapshotOf = (provider: DatabaseProvider) => path.join(migrationFolders[provider], "schema.snapshot.prisma");

function diffArgs(provider: DatabaseProvider): string[] {
  const snapshot = snapshotOf(provider);
  const from = existsSync(snapshot) ? ["--from-schema-datamodel", snapshot] : ["--from-empty"];
  return ["migrate", "diff", "--config", configPaths[provider], ...from, "--to-schema-datamodel", schemaPaths[provider]];
}

/**
 * Works without a PostgreSQL server: SQLite drift is diffed by Prisma itself; the PostgreSQL side
 * is in step when its snapshot is the derived form of the SQLite snapshot and both folders hold
 * the same migrations, since every migration is written for both at once.
 */
async function check(): Promise<number> {
  const run = await runPrisma([...diffArgs("sqlite"), "--exit-code"], diffUrls.sqlite);
  if (run.code === 2) {
    console.error("prisma/schema.prisma changed without a migration. Run: npm run db:migration -- <name>");
    return 1;
  }
  if (run.code !== 0) {
    console.error(`migrate diff (sqlite) failed:\n${run.output}`);
    return 1;
  }
  const sqliteSnapshot = readFileSync(snapshotOf("sqlite"), "utf8");
  const postgresSnapshot = existsSync(snapshotOf("postgresql")) ? readFileSync(snapshotOf("postgresql"), "utf8") : "";
  const names = (provider: DatabaseProvider) =>
    readdirSync(migrationFolders[provider], { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .join(",");
  if (postgresSnapshot !== postgresSchemaFrom(sqliteSnapshot) || names("sqlite") !== names("postgresql")) {
    console.error("The PostgreSQL migrations are out of step with the SQLite ones. Run: npm run db:migration -- <name>");
    return 1;
  }
  console.log("Migrations match prisma/schema.prisma (sqlite, postgresql).");
  return 0;
}

async function create(name: string): Promise<number> {
  if (!/^[a-z0-9_]+$/.test(name)) {
    console.error("Migration name must be lower-case letters, digits and underscores, e.g. add_comments");
    return 1;
  }
  writePostgresSchema();
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  for (const provider of providers) {
    const changed = await runPrisma([...diffArgs(provider), "--exit-code"], diffUrls[provider]);
    if (changed.code === 0) {
      console.log(`No schema change for ${provider}; nothing written.`);
      continue;
    }
    const folder = path.join(migrationFolders[provider], `${stamp}_${name}`);
    mkdirSync(folder, { recursive: true });
    const run = await runPrisma([...diffArgs(provider), "--script", "-o", path.join(folder, "migration.sql")], diffUrls[provider]);
    if (run.code !== 0) {
      console.error(`migrate diff (${provider}) failed:\n${run.output}`);
      return 1;
    }
    const lock = path.join(migrationFolders[provider], "migration_lock.toml");
    if (!existsSync(lock)) writeFileSync(lock, `provider = "${provider}"\n`);
    copyFileSync(schemaPaths[provider], snapshotOf(provider));
    console.log(`Wrote ${path.relative(process.cwd(), folder)}/migration.sql`);
  }
  return 0;
}

const [first] = process.argv.slice(2);
if (!first) {
  console.error("Usage: npm run db:migration -- <name>   |   npm run db:migration -- --check");
  process.exit(1);
}
process.exit(first === "--check" ? await check() : await create(first));
