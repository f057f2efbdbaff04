import { DataSource } from "typeorm";

export type TableDump = Record<string, Record<string, unknown>[]>;

export interface DumpOptions {
  /** Columns to leave out, e.g. timestamps the database fills in from its own clock. */
  skipColumn?: (table: string, column: string) => boolean;
}

/**
 * Every mapped table (junctions included), rows ordered by primary key, as
 * the driver returns them, made comparable: Buffers become hex strings,
 * Dates ISO strings. For tests that need "did anything change" and "are
 * these two databases the same".
 */
export async function dumpTables(ds: DataSource, options: DumpOptions = {}): Promise<TableDump> {
  const q = (name: string) => ds.driver.escape(name);
  const dump: TableDump = {};
  for (const metadata of [...ds.entityMetadatas].sort((a, b) => a.tableName.localeCompare(b.tableName))) {
    const table = metadata.tableName;
    const columns = metadata.columns.map((column) => column.databaseName)
      .filter((column, i, all) => all.indexOf(column) === i && !options.skipColumn?.(table, column));
    const order = metadata.primaryColumns.map((column) => q(column.databaseName)).join(", ");
    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT ${columns.map(q).join(", ")} FROM ${q(table)} ORDER BY ${order}`);
    dump[table] = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const column of columns) out[column] = comparable(row[column]);
      return out;
    });
  }
  return dump;
}

function comparable(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `0x${value.toString("hex")}`;
  if (value instanceof Date) return value.toISOString();
  return value;
}
