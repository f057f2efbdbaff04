/**
 * Writing the snapshot file of one consistent view of a database, every
 * table in key order, batch by batch (I6): the same code whichever source
 * the rows come from (a reader's consistent read, or the SQLite file read in
 * a process of its own).
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { ColumnValue, DatabaseSchema, Row } from "../db/types";
import { BackupError } from "../errors";
import { SNAPSHOT_EXT, snapshotFileName } from "./fileName";
import type { SnapshotKind } from "./format";
import { PackedRows } from "./packedRows";
import type { TakenSnapshot, TakeSnapshotOptions } from "./snapshotOptions";
import { SnapshotWriter } from "./writer";

/**
 * Row blocks close at the writer's 1 MiB rather than at 2000 rows: small rows
 * then compress to half the size (zstd sees more alike rows), a little
 * faster. Memory stays bounded by the block's bytes.
 */
const BLOCK_ROWS = 1_000_000;

type Batch = readonly (Row | readonly ColumnValue[])[] | PackedRows;

/** One consistent view to snapshot: the reader's ConsistentReader, or the SQLite file reader's own (sqliteFileSnapshotChild.ts). */
export interface SnapshotSource {
  readonly seq: number;
  readonly at: number;
  /** Rows in primary key order: objects, arrays in schema column order, or packed. */
  batches(table: string, size: number): AsyncIterable<Batch> | Iterable<Batch>;
  /**
   * PostgreSQL: the table's rows as COPY text, stored as it comes in COPY
   * blocks (FORMAT.md), with no JavaScript value per field; used instead of
   * batches() when present.
   */
  copyText?(table: string): AsyncIterable<Buffer>;
}

/**
 * Writes the snapshot file of `source`, every table of `schema`, into the
 * store (not yet in the manifest). `beforePublish` runs when all rows are
 * written and the file is not yet under its name: a failure there leaves nothing.
 */
export async function writeSnapshot(
  source: SnapshotSource,
  schema: DatabaseSchema,
  storeDir: string,
  options: TakeSnapshotOptions,
  beforePublish?: () => Promise<void>,
): Promise<Omit<TakenSnapshot, "ms">> {
  const kind = options.kind ?? "manual";
  const batchRows = options.batchRows ?? 2000;
  // Not earlier than the commit of `seq`: a restore to an instant before
  // that commit must never pick this snapshot.
  const createdAt = Math.max(Date.now(), source.at);
  const file = snapshotFileName(kind, createdAt, options.name, options.period);
  const path = join(storeDir, file);
  // The writer would refuse at the end anyway; say so before reading the whole database.
  if (await exists(path)) throw alreadyExists(path, kind);
  const name = file.slice(0, -SNAPSHOT_EXT.length);
  const writer = await SnapshotWriter.create(path, {
    kind, name, createdAt, seq: source.seq, schema, ddl: options.ddl, databaseId: options.identity?.databaseId ?? null, storeId: options.identity?.storeId ?? null,
  }, { batchRows: BLOCK_ROWS, copyRows: source.copyText !== undefined });
  try {
    let rows = 0;
    for (const [tablesDone, table] of schema.tables.entries()) {
      await writer.beginTable(table.name);
      const progress = () => options.onProgress?.({ table: table.name, tablesDone, tables: schema.tables.length, rows });
      if (source.copyText) {
        for await (const chunk of source.copyText(table.name)) {
          rows += await writer.writeCopy(chunk);
          progress();
        }
        await writer.endTable();
        continue;
      }
      for await (const batch of source.batches(table.name, batchRows)) {
        if (batch instanceof PackedRows) await writer.writePacked(batch.bytes, batch.rows);
        else await writer.writeRows(batch);
        rows += batch instanceof PackedRows ? batch.rows : batch.length;
        progress();
      }
      await writer.endTable();
    }
    await beforePublish?.();
    const result = await writer.finish();
    return { file, path, seq: source.seq, createdAt, rows: result.rows, bytes: result.bytes, tables: result.tables };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(() => true, () => false);
}

function alreadyExists(path: string, kind: SnapshotKind): BackupError {
  // A snapshot is never overwritten unasked; a scheduled kind has one name per day.
  const hint = kind === "manual" ? "choose another snapshot name, or remove the existing file first"
    : `the ${kind} snapshot of this date was taken already: remove it to take it again, or take a manual one`;
  return new BackupError("BAD_INPUT", `${path} already exists`, hint);
}
