import path from "node:path";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { defineConfig } from "prisma/config";
import { ensureSqliteDirectory, projectRoot, resolveDatabaseUrl } from "./database-url";

// The JS schema engine with a driver adapter is the only migration path that works offline
// (docs/decisions/001-prisma-offline-migrations.md).
const database = resolveDatabaseUrl(
  process.env.DATABASE_URL?.startsWith("file:") ? process.env.DATABASE_URL : undefined,
);
// The CLI insists on env("DATABASE_URL") being set even though the adapter is what connects.
process.env.DATABASE_URL = database.url;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(projectRoot, "prisma/schema.prisma"),
  migrations: { path: path.join(projectRoot, "prisma/migrations") },
  adapter: async () => {
    ensureSqliteDirectory(database.url);
    return new PrismaLibSQL({ url: database.url });
  },
});
