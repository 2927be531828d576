import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Client, InStatement, ResultSet } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { createDb } from "~/db.server";
import { keepOneConnection } from "./sqlite-adapter.server";

/** A client that records statements and fails the ones `failing` names (once each). */
function recordingClient(failing: Record<string, string>) {
  const statements: string[] = [];
  const client = {
    execute: async (statement: InStatement) => {
      const sql = typeof statement === "string" ? statement : statement.sql;
      statements.push(sql);
      const message = failing[sql];
      if (message) {
        delete failing[sql];
        throw new Error(message);
      }
      return {} as ResultSet;
    },
  } as unknown as Client;
  return { client: keepOneConnection(client), statements };
}

describe("one connection's transactions", () => {
  it("rolls back a transaction whose COMMIT SQLite refused, so the connection is not left inside it", async () => {
    const { client, statements } = recordingClient({ COMMIT: "SQLITE_BUSY: cannot commit transaction - SQL statements in progress" });
    const transaction = await client.transaction("write");
    await transaction.execute("INSERT INTO t VALUES (1)");
    await expect(transaction.commit()).rejects.toThrow(/SQLITE_BUSY/);
    expect(statements).toEqual(["BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)", "COMMIT", "ROLLBACK"]);
    expect(transaction.closed).toBe(true);
  });

  it("ends a transaction left open by an earlier failure before beginning the next", async () => {
    const { client, statements } = recordingClient({ "BEGIN IMMEDIATE": "SQLITE_ERROR: cannot start a transaction within a transaction" });
    const transaction = await client.transaction("write");
    await transaction.commit();
    expect(statements).toEqual(["BEGIN IMMEDIATE", "ROLLBACK", "BEGIN IMMEDIATE", "COMMIT"]);
  });

  it("passes any other BEGIN failure on", async () => {
    const { client, statements } = recordingClient({ "BEGIN IMMEDIATE": "SQLITE_BUSY: database is locked" });
    await expect(client.transaction("write")).rejects.toThrow(/database is locked/);
    expect(statements).toEqual(["BEGIN IMMEDIATE"]);
  });
});

describe("a write while another process holds the file's write lock", () => {
  it("waits for the lock instead of failing with SQLITE_BUSY", async () => {
    const file = path.join(mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "busy-")), "busy.db");
    const db = createDb(`file:${file}`);
    try {
      await db.$executeRawUnsafe("PRAGMA journal_mode = WAL");
      await db.$executeRawUnsafe("CREATE TABLE t (x INTEGER)");
      // The other process takes the write lock, says so, and releases it once told to.
      const holder = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { createClient } from "@libsql/client";
           const client = createClient({ url: ${JSON.stringify(`file:${file}`)} });
           await client.execute("BEGIN IMMEDIATE");
           await client.execute("INSERT INTO t VALUES (1)");
           console.log("locked");
           // Held a while after being told: long enough that the write below is already waiting.
           process.stdin.once("data", () => setTimeout(async () => { await client.execute("COMMIT"); console.log("released"); process.exit(0); }, 300));`,
        ],
        { cwd: process.cwd(), stdio: ["pipe", "pipe", "inherit"] },
      );
      const lines = createInterface({ input: holder.stdout! })[Symbol.asyncIterator]();
      expect((await lines.next()).value).toBe("locked");
      // The wait blocks this thread, so the holder is told before the write starts, and lets go
      // while the write waits.
      holder.stdin!.write("go\n");
      await db.$executeRawUnsafe("INSERT INTO t VALUES (2)");
      expect((await lines.next()).value).toBe("released");
      await once(holder, "exit");
      const rows = await db.$queryRawUnsafe<{ x: number | bigint }[]>("SELECT x FROM t ORDER BY x");
      expect(rows.map((row) => Number(row.x))).toEqual([1, 2]);
    } finally {
      await db.$disconnect();
    }
  });
});
