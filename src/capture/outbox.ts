import { BackupError } from "../errors";
import { DatabaseSchema, Frame, Op, Row, RowChange, TableSchema } from "../journal/types";

/** One captured row change, decoded, with its transaction's seq and commit time. */
export interface CapturedChange {
  seq: number;
  at: number;
  table: string;
  /** "I", "U" or "D", as the outbox stores it. */
  op: string;
  before: Row | null;
  after: Row | null;
}

const OPS: Record<string, Op> = { I: "insert", U: "update", D: "delete" };

export function keyOf(row: Row, table: TableSchema): Row {
  const key: Row = {};
  for (const column of table.primaryKey) key[column] = row[column] ?? null;
  return key;
}

/** Groups captured changes (ordered by seq, then capture order) into one frame per transaction. */
export function framesFromChanges(changes: CapturedChange[], schema: DatabaseSchema): Frame[] {
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  const frames: Frame[] = [];
  let frame: Frame | undefined;
  for (const c of changes) {
    if (!frame || frame.seq !== c.seq) {
      frame = { seq: c.seq, at: c.at, changes: [] };
      frames.push(frame);
    }
    const table = tables.get(c.table);
    if (!table) {
      throw new BackupError("SCHEMA_MISMATCH", `captured a change of table "${c.table}" (seq ${c.seq}) that is not in the capture schema`,
        "restart the app so attachChangelog() reads the schema again");
    }
    const change: RowChange = { table: c.table, op: OPS[c.op], key: keyOf((c.before ?? c.after) as Row, table), before: c.before, after: c.after };
    frame.changes.push(change);
  }
  return frames;
}
