import type { Client, InStatement, ResultSet, Transaction, TransactionMode } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";

/**
 * Prisma's libSQL adapter with every transaction on the client's one connection. @libsql/client
 * hands its connection to each transaction and opens a fresh one for what follows, never closing
 * the old one (it waits for garbage collection): under a steady stream of forecast commits that
 * left hundreds of open connections, each with its own page cache and re-read schema — 570 MB and
 * a tenth of the CPU in the write benchmark. The adapter already serialises every query of the
 * client behind one lock, held for a transaction's whole life, so nothing else can use the
 * connection while a transaction holds it.
 */
export class OneConnectionLibSQL extends PrismaLibSQL {
  override createClient(config: Parameters<PrismaLibSQL["createClient"]>[0]): Client {
    const client = keepOneConnection(super.createClient(config));
    // Another process writing the same file (the create-user CLI beside a running server, its
    // migrations check) holds the write lock for a few milliseconds; without a busy timeout
    // SQLite refuses our write at once (SQLITE_BUSY) and a reader's save or sign-up fails with a
    // 500. Waiting blocks this thread while the lock is held, which is rare and short. Runs
    // before any other statement: the local client executes on call.
    client.execute(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).catch(() => undefined);
    return client;
  }
}

/** How long a write waits for another process's lock on the file before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 2_000;

const BEGIN: Record<TransactionMode, string> = { write: "BEGIN IMMEDIATE", read: "BEGIN TRANSACTION READONLY", deferred: "BEGIN DEFERRED" };

export function keepOneConnection(client: Client): Client {
  const transaction = async (mode: TransactionMode = "write"): Promise<Transaction> => {
    try {
      await client.execute(BEGIN[mode]);
    } catch (error) {
      // A transaction an earlier failure left open would refuse every BEGIN from now on, taking
      // every write of the process down with it: end it and begin again, once.
      if (!/within a transaction/i.test((error as Error).message)) throw error;
      await client.execute("ROLLBACK");
      await client.execute(BEGIN[mode]);
    }
    let open = true;
    const end = async (statement: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      try {
        await client.execute(statement);
      } catch (error) {
        // A COMMIT SQLite refused (SQLITE_BUSY) leaves the transaction open on our one connection;
        // roll it back so that the caller's error is the only casualty.
        if (statement === "COMMIT") await client.execute("ROLLBACK").catch(() => undefined);
        throw error;
      }
    };
    return {
      execute: (statement: InStatement): Promise<ResultSet> => client.execute(statement),
      batch: async (statements: InStatement[]) => {
        const results: ResultSet[] = [];
        for (const statement of statements) results.push(await client.execute(statement));
        return results;
      },
      executeMultiple: (sql: string) => client.executeMultiple(sql),
      commit: () => end("COMMIT"),
      rollback: () => end("ROLLBACK"),
      close: () => void end("ROLLBACK").catch(() => undefined),
      get closed() {
        return !open;
      },
    };
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "transaction") return transaction;
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
