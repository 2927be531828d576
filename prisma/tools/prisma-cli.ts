import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectRoot, type DatabaseProvider } from "../database-url";

const prismaBin = path.join(projectRoot, "node_modules/prisma/build/index.js");

export const schemaPaths = {
  sqlite: path.join(projectRoot, "prisma/schema.prisma"),
  postgresql: path.join(projectRoot, "prisma/postgres/schema.prisma"),
} satisfies Record<DatabaseProvider, string>;

export const configPaths = {
  sqlite: path.join(projectRoot, "prisma/sqlite.config.ts"),
  postgresql: path.join(projectRoot, "prisma/postgres.config.ts"),
} satisfies Record<DatabaseProvider, string>;

export const migrationFolders = {
  sqlite: path.join(projectRoot, "prisma/migrations"),
  postgresql: path.join(projectRoot, "prisma/postgres/migrations"),
} satisfies Record<DatabaseProvider, string>;

// `generate` falls back to downloading the Rust engine unless the URL's scheme matches the
// schema's provider, so each provider gets a placeholder of its own when none is given.
export const placeholderUrls = {
  sqlite: "file:./.tmp/generate.db",
  postgresql: "postgresql://generate@127.0.0.1:5432/generate",
} satisfies Record<DatabaseProvider, string>;

export interface PrismaRun {
  code: number;
  output: string;
}

/** Runs the Prisma CLI of this project; resolves with its exit code and combined output. */
export function runPrisma(args: string[], databaseUrl: string, options: { echo?: boolean } = {}): Promise<PrismaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaBin, ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * The PostgreSQL schema is the SQLite one with another datasource provider and client output
 * folder; deriving it keeps one source of truth.
 */
export function postgresSchemaFrom(sqliteSchema: string): string {
  const derived = sqliteSchema
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(/output\s*=\s*"\.\/generated\/sqlite"/, 'output     = "../generated/postgres"');
  return `// GENERATED from prisma/schema.prisma by prisma/tools — do not edit by hand.\n${derived}`;
}

export function writePostgresSchema(): string {
  const content = postgresSchemaFrom(readFileSync(schemaPaths.sqlite, "utf8"));
  writeFileSync(schemaPaths.postgresql, content);
  return content;
}
