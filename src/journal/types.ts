/**
 * What the journal stores: database-level column values, not entity objects,
 * so replay needs no entity classes and survives renamed properties.
 *
 * Values are in the engine's canonical form (see src/capture/): on SQLite the
 * stored value (number, string, Buffer, null; bigint beyond 2^53); on
 * PostgreSQL numbers for integer and float columns, booleans, Buffers for
 * bytea, and the exact text form for everything else (numeric, int8, dates,
 * timestamps, json, uuid), which the server reads back unchanged.
 */
export type ColumnValue = null | boolean | number | bigint | string | Buffer;
export type Row = Record<string, ColumnValue>;
export type Op = "insert" | "update" | "delete";

export interface RowChange {
  table: string;
  op: Op;
  /** Primary-key columns of the row (of the before-image for updates). */
  key: Row;
  /** Full row before the change: update and delete; null for insert. */
  before: Row | null;
  /** Full row after the change: insert and update; null for delete. */
  after: Row | null;
}

/** One committed transaction. */
export interface Frame {
  seq: number;
  /** Commit time, milliseconds since the Unix epoch. */
  at: number;
  changes: RowChange[];
}

export interface ColumnSchema {
  name: string;
  /** Declared type as the database reports it (lower case). */
  type: string;
  nullable: boolean;
}

export interface TableSchema {
  name: string;
  columns: ColumnSchema[];
  primaryKey: string[];
}

export interface DatabaseSchema {
  engine: "sqlite" | "postgres";
  tables: TableSchema[];
}

/** The table `name` of `schema`; a table outside it is a caller's mistake. */
export function tableOf(schema: DatabaseSchema, name: string): TableSchema {
  const table = schema.tables.find((t) => t.name === name);
  if (!table) throw new Error(`table ${name} is not in the schema being read`);
  return table;
}

/** The msgpack payload of a segment header (see FORMAT.md). */
export interface SegmentHeader {
  version: 1;
  /** Sequence number of the first frame the segment holds (also its file name). */
  firstSeq: number;
  /** When the segment was created, milliseconds since the Unix epoch. */
  createdAt: number;
  /** Schema of the database when the segment's frames were captured. */
  schema: DatabaseSchema;
  /** schemaFingerprint(schema): segments rotate when it changes. */
  fingerprint: string;
}
