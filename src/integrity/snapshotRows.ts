/**
 * A snapshot's rows fed to a rule run as row events, all at the snapshot's
 * seq and time: what validate backup (op "insert", a scan) and audit (op
 * "load", the start of a replay) both read first.
 */
import type { Row } from "../db/types";
import type { SnapshotReader } from "../snapshot";
import type { RuleRun } from "./run";

export async function feedSnapshotRows(reader: SnapshotReader, run: RuleRun, op: "insert" | "load", onBatch: (table: string, rows: number) => void): Promise<void> {
  const { header } = reader;
  for await (const batch of reader.rawBatches()) {
    const columns = batch.table.columns.map((c) => c.name);
    for (const values of batch.rows) {
      const row: Row = {};
      for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
      run.row({ table: batch.table.name, op, seq: header.seq, at: header.createdAt, before: null, after: row });
    }
    onBatch(batch.table.name, batch.rows.length);
  }
}
