import { BackupError } from "../errors";
import { DatabaseSchema, Frame, Op, Row, RowChange, TableSchema } from "../journal/types";

/** A row of _changelog_outbox joined with its transaction's seq and commit time. */
export interface OutboxRow {
  seq: number | string;
  at: number | string;
  tbl: string;
  op: string;
  old: string | null;
  new: string | null;
}

const OPS: Record<string, Op> = { I: "insert", U: "update", D: "delete" };

export function keyOf(row: Row, table: TableSchema): Row {
  const key: Row = {};
  for (const column of table.primaryKey) key[column] = row[column] ?? null;
  return key;
}

/** Groups outbox rows (ordered by seq, then capture order) into one frame per transaction. */
export function framesFromOutbox(
  rows: OutboxRow[],
  schema: DatabaseSchema,
  parseRow: (raw: string, table: TableSchema) => Row,
): Frame[] {
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  const frames: Frame[] = [];
  let frame: Frame | undefined;
  for (const r of rows) {
    const seq = Number(r.seq);
    if (!frame || frame.seq !== seq) {
      frame = { seq, at: Number(r.at), changes: [] };
      frames.push(frame);
    }
    const table = tables.get(r.tbl);
    if (!table) {
      throw new BackupError("SCHEMA_MISMATCH", `captured a change of table "${r.tbl}" (seq ${seq}) that is not in the capture schema`,
        "restart the app so attachChangelog() reads the schema again");
    }
    const before = r.old === null ? null : parseRow(r.old, table);
    const after = r.new === null ? null : parseRow(r.new, table);
    const change: RowChange = { table: r.tbl, op: OPS[r.op], key: keyOf((before ?? after) as Row, table), before, after };
    frame.changes.push(change);
  }
  return frames;
}
