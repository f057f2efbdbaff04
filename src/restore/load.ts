/**
 * The two halves of a restore's write, both inside the caller's transaction
 * and both streaming (I6): the snapshot's rows, one block at a time, and the
 * journal's frames, one at a time. Each row written is emitted as a row event.
 * Values are converted when the backup comes from the other engine.
 */
import { BackupError } from "../errors";
import { headerForSeq, readFrames, segmentHeaders } from "../journal/reader";
import type { Frame, RowChange } from "../journal/types";
import { keyOf, type Row, type TableSchema } from "../db/types";
import { parseCopyRows } from "../db/copyText";
import type { RawBatch, SnapshotReader } from "../snapshot";
import { rowConverter } from "./convert";
import type { RowEventStream } from "./events";
import type { RowSink } from "./rowSink";
import { schemaMismatch } from "./messages";
import { Engine } from "../db/types";

export interface LoadContext {
  engine: Engine;
  /** Where the rows go (rowSink.ts). */
  sink: RowSink;
  /** The target's tables, as its catalog describes them. */
  tables: Map<string, TableSchema>;
  stream: RowEventStream;
}

function targetTable(ctx: LoadContext, name: string): TableSchema {
  const table = ctx.tables.get(name);
  if (!table) throw schemaMismatch(`the backup holds table "${name}", which the target does not have`);
  return table;
}

/** Writes every row of the snapshot; returns rows per table. The reader checks each block, and each table's count and digest at its end. */
export async function loadSnapshot(ctx: LoadContext, reader: SnapshotReader, onRows: (table: string, rows: number) => void): Promise<Map<string, number>> {
  const loaded = new Map<string, number>();
  const converters = new Map<string, ((row: Row) => Row) | null>();
  try {
    await loadBatches(ctx, reader, converters, loaded, onRows);
    // The last table's rows may still be held (an open COPY): the connection must be free for what follows.
    await ctx.sink.flush();
  } catch (error) {
    // A damaged block, a refused row, a bad value: whatever failed, the caller's ROLLBACK must be able to run.
    await ctx.sink.abandon().catch(() => undefined);
    throw error;
  }
  return loaded;
}

async function loadBatches(ctx: LoadContext, reader: SnapshotReader, converters: Map<string, ((row: Row) => Row) | null>,
  loaded: Map<string, number>, onRows: (table: string, rows: number) => void): Promise<void> {
  const { seq, createdAt: at, engine: fromEngine } = reader.header;
  // COPY text blocks go to a COPY into PostgreSQL as they are, unparsed, when
  // nothing needs the rows as values: same engine (no conversion) and no rule
  // reading the row events (only their count is wanted).
  const passThrough = ctx.sink.insertCopyText !== undefined && fromEngine === ctx.engine && !ctx.stream.rowsRead;
  for await (const item of passThrough ? reader.rawOrCopyBatches() : reader.rawBatches()) {
    const table = targetTable(ctx, item.table.name);
    let batch: RawBatch;
    if ("text" in item) {
      if (sameColumnOrder(item.table, table)) {
        await ctx.sink.insertCopyText!(table, item.text);
        ctx.stream.countLoaded(table.name, item.rows);
        loaded.set(table.name, (loaded.get(table.name) ?? 0) + item.rows);
        onRows(table.name, item.rows);
        continue;
      }
      batch = { table: item.table, rows: [...parseCopyRows(item.text, item.table.columns, Infinity)].flat() };
    } else {
      batch = item;
    }
    let convert = converters.get(table.name);
    if (convert === undefined) {
      convert = fromEngine === ctx.engine ? null : rowConverter(fromEngine, batch.table, ctx.engine, table);
      converters.set(table.name, convert);
    }
    const names = batch.table.columns.map((c) => c.name);
    const rows = batch.rows.map((values) => {
      const row: Row = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      return convert ? convert(row) : row;
    });
    await ctx.sink.insert(table, rows);
    for (const row of rows) ctx.stream.emit({ table: table.name, op: "load", seq, at, before: null, after: row });
    loaded.set(table.name, (loaded.get(table.name) ?? 0) + rows.length);
    onRows(table.name, rows.length);
  }
}

/** The target's columns are the snapshot's, in the same order: its COPY text fits the target's COPY as it is. */
function sameColumnOrder(stored: TableSchema, target: TableSchema): boolean {
  return stored.columns.length === target.columns.length && stored.columns.every((c, i) => c.name === target.columns[i].name);
}

export interface Replayed {
  frames: number;
  /** Seq and commit time of the last frame replayed; null when none was. */
  last: { seq: number; at: number } | null;
}

/**
 * Replays frames afterSeq + 1 .. toSeq in order. A frame missing from that
 * run is a gap, and stops the restore (the caller's transaction undoes it).
 */
export async function replayJournal(ctx: LoadContext, store: string, afterSeq: number, toSeq: number, onFrame: (frame: Frame) => void): Promise<Replayed> {
  if (toSeq <= afterSeq) return { frames: 0, last: null };
  const headers = segmentHeaders(store, { fromSeq: afterSeq + 1, toSeq });
  const converters = new Map<string, (row: Row) => Row>();
  let expected = afterSeq + 1;
  let last: Replayed["last"] = null;
  for (const frame of readFrames(store, { fromSeq: afterSeq + 1, toSeq })) {
    // Parts of one transaction share its seq; the reader checks their order.
    if (frame.seq !== expected && !(last !== null && frame.seq === last.seq && (frame.part ?? 0) > 0)) {
      throw new BackupError("JOURNAL_GAP", `the journal in ${store} jumps from seq ${expected - 1} to ${frame.seq}`, "a segment was lost or damaged: restore to an earlier point");
    }
    const journal = headerForSeq(headers, frame.seq)?.header.schema;
    const converted = journal && journal.engine !== ctx.engine ? convertFrame(ctx, frame, journal.tables, journal.engine, converters) : frame;
    for (const c of converted.changes) {
      await ctx.sink.apply(targetTable(ctx, c.table), c, frame.seq);
      ctx.stream.emit({ table: c.table, op: c.op, seq: frame.seq, at: frame.at, before: c.before, after: c.after });
    }
    last = { seq: frame.seq, at: frame.at };
    if (frame.more) continue;
    expected++;
    onFrame(frame);
    // Done: reading on would check the next segment too, which a restore to here does not need.
    if (frame.seq === toSeq) break;
  }
  await ctx.sink.flush();
  if (expected !== toSeq + 1) {
    throw new BackupError("JOURNAL_GAP", `the journal in ${store} ends at seq ${expected - 1}, before seq ${toSeq}`, "restore to an earlier point (list shows the restorable span)");
  }
  return { frames: toSeq - afterSeq, last };
}

/** A frame captured on the other engine, in the target engine's canonical values; the key is taken from the converted row. */
function convertFrame(ctx: LoadContext, frame: Frame, journalTables: TableSchema[], fromEngine: Engine, cache: Map<string, (row: Row) => Row>): Frame {
  const changes = frame.changes.map((change): RowChange => {
    let convert = cache.get(change.table);
    const table = targetTable(ctx, change.table);
    if (!convert) {
      const from = journalTables.find((t) => t.name === change.table);
      if (!from) throw schemaMismatch(`seq ${frame.seq}: a change to table "${change.table}", which the journal's schema does not have`);
      convert = rowConverter(fromEngine, from, ctx.engine, table);
      cache.set(change.table, convert);
    }
    const before = change.before && convert(change.before);
    const after = change.after && convert(change.after);
    return { ...change, key: keyOf((before ?? after) as Row, table), before, after };
  });
  return { ...frame, changes };
}
