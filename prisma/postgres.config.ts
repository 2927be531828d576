import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";
import { projectRoot } from "./database-url";

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

/**
 * Two traps of @prisma/adapter-pg 6.19.3 under `migrate deploy` (docs/decisions/001):
 * it cannot read columns of type `name` (prisma/orm#27403), so they are reported as text; and the
 * shadow-database logic overrides `database`, which a connection string would silently win over,
 * so the pool gets its parts separately.
 */
class NameAsTextPool extends pg.Pool {
  // pg's overloads make a faithful override signature impractical; behaviour is unchanged apart
  // from the field type rewrite.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as any)(...args);
    if (result && typeof result.then === "function") {
      return result.then((res: pg.QueryResult) => {
        for (const field of res?.fields ?? []) if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
        return res;
      });
    }
    return result;
  }
}

const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/crowdline");

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(projectRoot, "prisma/postgres/schema.prisma"),
  migrations: { path: path.join(projectRoot, "prisma/postgres/migrations") },
  adapter: async () =>
    new PrismaPg(
      new NameAsTextPool({
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username || "postgres"),
        password: url.password ? decodeURIComponent(url.password) : undefined,
        database: decodeURIComponent(url.pathname.slice(1)),
        // Without it the CLI lingers after success, holding idle connections.
        idleTimeoutMillis: 500,
      }),
    ),
});
