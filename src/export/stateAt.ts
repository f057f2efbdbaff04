/**
 * The rows of every table as they were after transaction `toSeq`, without
 * any database: the snapshot's rows streamed block by block, with the
 * journal frames (snapshot seq, toSeq] laid over them (overlay.ts). Tables
 * come in the snapshot's file order, each row once: a row the journal
 * changed comes in its last image where the snapshot had it, a row it
 * deleted not at all, a row it added after the table's snapshot rows.
 */
import { BackupError } from "../errors";
import type { ColumnValue, TableSchema } from "../db/types";
import { readFrames } from "../journal/reader";
import type { SnapshotReader } from "../snapshot";
import { keyBytes, MemoryOverlay, openOverlay, valuesIn, type Overlay } from "./overlay";

export interface TableBatch {
  table: TableSchema;
  rows: ColumnValue[][];
}

const OVERLAY_BATCH = 512;

/** Folds frames snapshot.seq + 1 .. toSeq into an overlay; returns it and the number of transactions read. */
export async function foldJournal(store: string, tables: readonly TableSchema[], fromSeq: number, toSeq: number): Promise<{ overlay: Overlay; frames: number }> {
  if (toSeq <= fromSeq) return { overlay: new MemoryOverlay(), frames: 0 };
  const overlay = await openOverlay(store);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const columns = new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
  let expected = fromSeq + 1;
  try {
    for (const frame of readFrames(store, { fromSeq: fromSeq + 1, toSeq })) {
      if (frame.seq !== expected && frame.seq !== expected - 1) {
        throw new BackupError("JOURNAL_GAP", `the journal in ${store} jumps from seq ${expected - 1} to ${frame.seq}`, "a segment was lost or damaged: export an earlier point");
      }
      for (const change of frame.changes) {
        const table = byName.get(change.table);
        if (!table) throw new BackupError("SCHEMA_MISMATCH", `seq ${frame.seq} changes table "${change.table}", which the snapshot does not have`, "export a point before the schema changed");
        const keyOfImage = (row: Record<string, ColumnValue>) => keyBytes(table.primaryKey.map((c) => row[c] ?? null));
        if (change.before) overlay.set(table.name, keyOfImage(change.before), null);
        if (change.after) overlay.set(table.name, keyOfImage(change.after), valuesIn(change.after, columns.get(table.name)!));
      }
      if (frame.more) continue;
      expected = frame.seq + 1;
      if (frame.seq === toSeq) break;
    }
    if (expected !== toSeq + 1) {
      throw new BackupError("JOURNAL_GAP", `the journal in ${store} ends at seq ${expected - 1}, before seq ${toSeq}`, "export an earlier point (list shows the restorable span)");
    }
  } catch (error) {
    await overlay.close();
    throw error;
  }
  return { overlay, frames: toSeq - fromSeq };
}

/** The state at `toSeq`, batch by batch; the overlay is closed when the stream ends or is abandoned. */
export async function* rowsAt(reader: SnapshotReader, overlay: Overlay): AsyncGenerator<TableBatch> {
  const tables = reader.header.schema.tables;
  const order = reader.trailer.tables.map((t) => tables.find((s) => s.name === t.name)!);
  let current = -1; // index in `order` of the table being streamed
  try {
    for await (const batch of reader.rawBatches()) {
      if (current < 0 || order[current].name !== batch.table.name) {
        // The table before is done: its added rows; tables the snapshot holds no rows of yield no batch, so theirs come at their place.
        if (current >= 0) yield* added(order[current], overlay);
        while (order[++current].name !== batch.table.name) yield* added(order[current], overlay);
      }
      if (!overlay.touched(batch.table.name)) { yield batch; continue; }
      const pk = batch.table.primaryKey.map((c) => batch.table.columns.findIndex((x) => x.name === c));
      const rows: ColumnValue[][] = [];
      for (const values of batch.rows) {
        const image = overlay.take(batch.table.name, keyBytes(pk.map((i) => values[i])));
        if (image === undefined) rows.push(values);
        else if (image !== null) rows.push(image);
      }
      if (rows.length > 0) yield { table: batch.table, rows };
    }
    if (current >= 0) yield* added(order[current], overlay);
    while (++current < order.length) yield* added(order[current], overlay);
  } finally {
    await overlay.close();
  }
}

function* added(table: TableSchema, overlay: Overlay): Generator<TableBatch> {
  if (!overlay.touched(table.name)) return;
  let rows: ColumnValue[][] = [];
  for (const values of overlay.remaining(table.name)) {
    rows.push(values);
    if (rows.length >= OVERLAY_BATCH) { yield { table, rows }; rows = []; }
  }
  if (rows.length > 0) yield { table, rows };
}
