/**
 * What the snapshot writer is given, checked before it is written: the
 * header's kind, name, time, seq and schema, and each row against its
 * table's columns (a row that does not fit is a SCHEMA_MISMATCH, not a
 * different value in the file).
 */
import { BackupError } from "../errors";
import type { ColumnValue, DatabaseSchema, Row, TableSchema } from "../db/types";
import { SNAPSHOT_KINDS, type NewSnapshotHeader } from "./format";
import { packRows } from "./rowPacking";

export function pack(rows: readonly (readonly ColumnValue[])[], schema: TableSchema): Buffer {
  try {
    return packRows(rows);
  } catch (e) {
    throw schemaMismatch(schema, (e as Error).message);
  }
}

export function toArray(row: Row, schema: TableSchema): ColumnValue[] {
  const cols = schema.columns;
  const values = new Array<ColumnValue>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const v = row[cols[i].name];
    if (v === undefined) throw schemaMismatch(schema, `a row has no column "${cols[i].name}"`);
    values[i] = v;
  }
  // A key the schema does not know would be dropped silently: count the keys.
  let keys = 0;
  for (const _ in row) keys++;
  if (keys !== cols.length) throw schemaMismatch(schema, `a row has columns that are not in the schema (${Object.keys(row).filter((k) => !cols.some((c) => c.name === k)).join(", ")})`);
  return values;
}

export function schemaMismatch(schema: TableSchema, message: string): BackupError {
  return new BackupError("SCHEMA_MISMATCH", `snapshot table "${schema.name}": ${message}`, "the rows fed to the snapshot writer must match the schema in its header");
}

export function checkHeader(h: NewSnapshotHeader): void {
  const bad = (what: string) => new BackupError("INTERNAL", `snapshot header: ${what}`);
  if (!SNAPSHOT_KINDS.includes(h.kind)) throw bad(`unknown kind "${String(h.kind)}"`);
  if (typeof h.name !== "string") throw bad("name is not a string");
  if (!Number.isFinite(h.createdAt)) throw bad("createdAt is not a time");
  if (!Number.isSafeInteger(h.seq) || h.seq < 0) throw bad("seq is not a sequence number");
  checkSchema(h.schema, bad);
}

function checkSchema(schema: DatabaseSchema, bad: (what: string) => Error): void {
  const tables = new Set<string>();
  for (const t of schema.tables) {
    if (tables.has(t.name)) throw bad(`table "${t.name}" appears twice in the schema`);
    tables.add(t.name);
    const cols = new Set<string>();
    for (const c of t.columns) {
      if (cols.has(c.name)) throw bad(`column "${t.name}.${c.name}" appears twice`);
      // Rows are read back as objects keyed by column name, where this key would set the prototype.
      if (c.name === "__proto__") throw bad(`column "${t.name}.__proto__" cannot be snapshotted`);
      cols.add(c.name);
    }
  }
}
