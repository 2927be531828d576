// A fingerprint of every table (row count and a hash of the rows), to show that a refused request
// wrote nothing. Tables and columns are read from the database itself, so a table added by a
// migration is covered without listing it here.
import { createHash } from "node:crypto";
import type { Db } from "~/db.server";

export type Provider = "sqlite" | "postgresql";

/**
 * Columns a refused request may still change: a request with a session cookie extends the
 * session's idle expiry (at most once a day).
 */
const VOLATILE_COLUMNS: Record<string, ReadonlySet<string>> = {
  Session: new Set(["lastSeenAt", "expiresAt"]),
};

export type Fingerprint = Record<string, { rows: number; hash: string }>;

const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function columnsByTable(db: Db, provider: Provider): Promise<Map<string, string[]>> {
  const rows =
    provider === "sqlite"
      ? await db.$queryRawUnsafe<Array<{ table: string; column: string }>>(
          `SELECT m.name AS "table", c.name AS "column" FROM sqlite_master m JOIN pragma_table_info(m.name) c
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`,
        )
      : await db.$queryRawUnsafe<Array<{ table: string; column: string }>>(
          `SELECT c.table_name::text AS "table", c.column_name::text AS "column" FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
           WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
        );
  const tables = new Map<string, string[]>();
  for (const { table, column } of rows) {
    if (VOLATILE_COLUMNS[table]?.has(column)) continue;
    tables.set(table, [...(tables.get(table) ?? []), column]);
  }
  return tables;
}

const statements = new WeakMap<Db, string>();

/**
 * One statement for the whole database, each table's rows as text in a fixed order: a run takes
 * hundreds of fingerprints, and one round trip costs a tenth of one per table.
 */
async function statementFor(db: Db, provider: Provider): Promise<string> {
  const known = statements.get(db);
  if (known) return known;
  const parts: string[] = [];
  for (const [table, columns] of await columnsByTable(db, provider)) {
    if (provider === "sqlite") {
      const line = columns.map((column) => `quote(${identifier(column)})`).join(" || ',' || ");
      parts.push(
        `SELECT ${literal(table)} AS name, (SELECT count(*) FROM ${identifier(table)}) AS rows, ` +
          `(SELECT group_concat(line, char(10)) FROM (SELECT ${line} AS line FROM ${identifier(table)} ORDER BY line)) AS content`,
      );
    } else {
      const line = `ROW(${columns.map(identifier).join(", ")})::text`;
      parts.push(`SELECT ${literal(table)} AS name, count(*)::int AS rows, md5(coalesce(string_agg(${line}, E'\\n' ORDER BY ${line}), '')) AS content FROM ${identifier(table)}`);
    }
  }
  const statement = parts.join(" UNION ALL ");
  statements.set(db, statement);
  return statement;
}

export async function fingerprint(db: Db, provider: Provider): Promise<Fingerprint> {
  const rows = await db.$queryRawUnsafe<Array<{ name: string; rows: number | bigint; content: string | null }>>(await statementFor(db, provider));
  const result: Fingerprint = {};
  for (const row of rows) result[row.name] = { rows: Number(row.rows), hash: createHash("sha256").update(row.content ?? "").digest("hex").slice(0, 16) };
  return result;
}

/** The tables whose fingerprint differs, as "Table: 3 → 4 rows" or "Table: contents changed". */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const table of [...tables].sort()) {
    const was = before[table];
    const is = after[table];
    if (was?.rows !== is?.rows) changed.push(`${table}: ${was?.rows ?? "no table"} → ${is?.rows ?? "no table"} rows`);
    else if (was?.hash !== is?.hash) changed.push(`${table}: contents changed`);
  }
  return changed;
}

/**
 * SQLite's count of commits by other connections (PRAGMA data_version): while it stands still,
 * nothing another process wrote can have changed a fingerprint, so reading one again can wait.
 * null on PostgreSQL, whose nearest equivalents (statistics views) are updated late.
 */
export async function commitsByOthers(db: Db, provider: Provider): Promise<number | null> {
  if (provider !== "sqlite") return null;
  const [row] = await db.$queryRawUnsafe<Array<{ data_version: number | bigint }>>("PRAGMA data_version");
  return Number(row!.data_version);
}
