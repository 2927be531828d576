// `npm run db:reset`: drops all data (SQLite: deletes the file; PostgreSQL: recreates the public
// schema), re-applies the migrations and seeds the first article.
import { rmSync } from "node:fs";
import pg from "pg";
import { redactPassword, resolveDatabaseUrl, sqliteFilePath } from "../database-url";
import { seedDatabase } from "../seeding";
import { createDb } from "../../app/db.server";
import { deployMigrations } from "../deploy-migrations";

const database = resolveDatabaseUrl(process.env.DATABASE_URL);
if (database.provider === "sqlite") {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(sqliteFilePath(database.url) + suffix, { force: true });
} else {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
  await client.end();
}
await deployMigrations(database.url);
const db = createDb(database.url);
const result = await seedDatabase(db);
await db.$disconnect();
console.log(`Reset ${redactPassword(database.url)}: migrated, seeded (${result.created ? "article created" : "already present"}).`);
