import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresClient } from "../prisma/generated/postgres/client";
import { PrismaClient as SqliteClient } from "../prisma/generated/sqlite/client";
import { resolveDatabaseUrl } from "../prisma/database-url";
import { OneConnectionLibSQL } from "./sqlite-adapter.server";

// Tagged SQL for the few statements written by hand (Prisma.sql, Prisma.join): plain templates
// that each client renders in its own dialect, so the SQLite client's copy serves both.
export { Prisma } from "../prisma/generated/sqlite/client";

// Both generated clients expose the same model API; the SQLite one's type stands for both (their
// `$transaction` option types differ, hence the cast on the PostgreSQL branch).
export type Db = SqliteClient;

/** A client for `rawUrl`, by default DATABASE_URL. */
export function createDb(rawUrl: string | undefined = process.env.DATABASE_URL): Db {
  const database = resolveDatabaseUrl(rawUrl);
  if (database.provider === "postgresql") {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: database.url }) }) as unknown as Db;
  }
  return new SqliteClient({ adapter: new OneConnectionLibSQL({ url: database.url }) });
}

declare global {
  // One client per process: in development the Remix build is re-imported on every change.
  var __crowdlineDb: Db | undefined;
}

export function getDb(): Db {
  globalThis.__crowdlineDb ??= createDb();
  return globalThis.__crowdlineDb;
}
