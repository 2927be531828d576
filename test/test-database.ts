// Test databases: one migrated SQLite template per run (copied per test file) and, when
// TEST_POSTGRES_URL is set, one freshly created and migrated PostgreSQL database per run.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** Returns a connection URL for a new database on the server that `serverUrl` points at. */
export async function createPostgresDatabase(serverUrl: string, prefix = "crowdline_test"): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function postgresSkipReason(): string | null {
  return process.env.TEST_POSTGRES_URL
    ? null
    : "PostgreSQL tests skipped: set TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run them";
}

export function redisSkipReason(): string | null {
  return process.env.TEST_REDIS_URL ? null : "Redis tests skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run them";
}
