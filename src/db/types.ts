/**
 * The project's vocabulary for a database, below everything else: column
 * values, rows, and the schema of the tables read. Values are database-level
 * (column names, values as the driver reads and writes them), not entity
 * objects, so nothing needs the app's entity classes.
 *
 * Values are in the engine's canonical form (see src/capture/): on SQLite the
 * stored value (number, string, Buffer, null; bigint beyond 2^53); on
 * PostgreSQL numbers for integer and float columns, booleans, Buffers for
 * bytea, and the exact text form for everything else (numeric, int8, dates,
 * timestamps, json, uuid), which the server reads back unchanged.
 */
export type ColumnValue = null | boolean | number | bigint | string | Buffer;
export type Row = Record<string, ColumnValue>;

export type Engine = "sqlite" | "postgres";

export interface ColumnSchema {
  name: string;
  /** Declared type as the database reports it (lower case). */
  type: string;
  nullable: boolean;
}

export interface TableSchema {
  name: string;
  columns: ColumnSchema[];
  /** The declared primary key; a table without one is keyed by all its columns. */
  primaryKey: string[];
}

export interface DatabaseSchema {
  engine: Engine;
  tables: TableSchema[];
}

/** The table `name` of `schema`; a table outside it is a caller's mistake. */
export function tableOf(schema: DatabaseSchema, name: string): TableSchema {
  const table = schema.tables.find((t) => t.name === name);
  if (!table) throw new Error(`table ${name} is not in the schema being read`);
  return table;
}

/** The primary-key columns of a row (NULL where the row has none). */
export function keyOf(row: Row, table: TableSchema): Row {
  const key: Row = {};
  for (const column of table.primaryKey) key[column] = row[column] ?? null;
  return key;
}

/**
 * Which database a file belongs to, and which store: every segment and
 * snapshot header carries it, so a store never mixes two databases (see
 * src/store/identity.ts). Null in files written before identities existed, or
 * of a database the changelog was never attached to.
 */
export interface FileIdentity {
  databaseId: string | null;
  storeId: string | null;
}
