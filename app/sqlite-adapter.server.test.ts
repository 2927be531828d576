import type { Client, InStatement, ResultSet } from "@libsql/client";
import { describe, expect, it } from "vitest";
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
