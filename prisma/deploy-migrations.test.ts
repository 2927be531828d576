import { mkdtempSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createDb } from "~/db.server";
import { postgresSkipReason } from "../test/test-database";
import { projectRoot } from "./database-url";
import { MigrationError, deployMigrations } from "./deploy-migrations";
import { postgresSchemaFrom } from "./tools/prisma-cli";

const expectedTables = ["AggregateSnapshot", "Article", "BaselineRevision", "Comment", "CommentCredit", "CommentReport", "CommentRevision", "CommentVote", "Forecast", "Question", "Scenario", "Session", "User"];

describe("deployMigrations", () => {
  it("creates and migrates an empty SQLite database in a folder that does not exist yet", async () => {
    const dir = mkdtempSync(path.join(projectRoot, ".tmp/migrate-"));
    const url = `file:${path.join(dir, "nested/fresh.db")}`;
    await expect(deployMigrations(url)).resolves.toEqual({ applied: true });
    const db = createDb(url);
    const tables = await db.$queryRawUnsafe<{ name: string }[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
    );
    await db.$disconnect();
    expect(tables.map((table) => table.name)).toEqual(expectedTables);
    // Once everything is applied, a restart does not run Prisma's deploy again.
    await expect(deployMigrations(url)).resolves.toEqual({ applied: false });
  });

  it("fails with a message naming the database when it cannot be reached", async () => {
    const attempt = deployMigrations("postgresql://nobody@127.0.0.1:1/nowhere");
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/127\.0\.0\.1:1\/nowhere/);
  });

  it.skipIf(postgresSkipReason())("has migrated an empty PostgreSQL database (done once per run by the global set-up)", async () => {
    const client = new pg.Client({ connectionString: inject("postgresUrl") as string });
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%' ORDER BY table_name",
    );
    await client.end();
    expect(rows.map((row) => row.table_name)).toEqual(expectedTables);
  });
});

describe("postgresSchemaFrom", () => {
  it("swaps the provider and the client output folder, nothing else", () => {
    const sqlite = 'generator client {\n  output     = "./generated/sqlite"\n}\ndatasource db {\n  provider = "sqlite"\n}\nmodel A { id Int @id }\n';
    const derived = postgresSchemaFrom(sqlite);
    expect(derived).toContain('provider = "postgresql"');
    expect(derived).toContain('output     = "../generated/postgres"');
    expect(derived).toContain("model A { id Int @id }");
    expect(derived).not.toContain('"sqlite"');
  });
});
