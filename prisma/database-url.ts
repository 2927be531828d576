import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Both this source file and the bundles that include it (build/server.js, build/index.js) sit one
// folder below the project root, so the root is the same either way.
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const DEFAULT_DATABASE_URL = "file:./data/crowdline.db";

export type DatabaseProvider = "sqlite" | "postgresql";

export interface ResolvedDatabase {
  provider: DatabaseProvider;
  /** For SQLite an absolute `file:` URL; for PostgreSQL the URL as given. */
  url: string;
}

export class DatabaseUrlError extends Error {}

/**
 * Accepts `file:` (SQLite, relative paths resolved against the project root rather than the
 * current directory, which is what the libSQL adapter would use) and `postgres(ql)://` URLs.
 * Empty or missing means the default SQLite file.
 */
export function resolveDatabaseUrl(raw: string | undefined): ResolvedDatabase {
  const value = raw?.trim() || DEFAULT_DATABASE_URL;
  if (value.startsWith("file:")) {
    const filePath = value.slice("file:".length).replace(/^\/\/(?=\/)/, "");
    if (!filePath || filePath.includes("?")) {
      throw new DatabaseUrlError(
        `DATABASE_URL "${value}" is not a usable SQLite URL: expected file:./data/crowdline.db or file:/absolute/path.db`,
      );
    }
    return { provider: "sqlite", url: `file:${path.resolve(projectRoot, filePath)}` };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new DatabaseUrlError(`DATABASE_URL "${redactPassword(value)}" is not a valid PostgreSQL URL`);
    }
    if (!parsed.hostname || parsed.pathname.length <= 1) {
      throw new DatabaseUrlError(
        `DATABASE_URL "${redactPassword(value)}" must name a host and a database, e.g. postgresql://user@127.0.0.1:5432/crowdline`,
      );
    }
    return { provider: "postgresql", url: value };
  }
  throw new DatabaseUrlError(
    `DATABASE_URL "${redactPassword(value)}" is not supported: use file:<path> for SQLite or postgresql://... for PostgreSQL`,
  );
}

export function redactPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

export function sqliteFilePath(url: string): string {
  return url.slice("file:".length);
}

export function ensureSqliteDirectory(url: string): void {
  mkdirSync(path.dirname(sqliteFilePath(url)), { recursive: true });
}
