/**
 * Taking a snapshot of a live database: every table, read inside one
 * consistent read (the capture dialect's, or for a SQLite file a read-only
 * better-sqlite3 connection in a child process), streamed batch by batch into a
 * SnapshotWriter (I6) whose header carries the journal seq of that read, so
 * restore replays exactly the frames after it. The file is published whole
 * or not at all, then recorded in the store's manifest.
 */
import type { SchemaDdl } from "../schema/ddl";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { CaptureDialect } from "../capture/dialect";
import type { SqliteDialect } from "../capture/sqliteDialect";
import { BackupError } from "../errors";
import type { ColumnValue, DatabaseSchema, Row } from "../journal/types";
import { SNAPSHOT_EXT, snapshotFileName } from "./fileName";
import type { SnapshotKind } from "./format";
import { addToManifest } from "./manifest";
import { PackedRows } from "./packedRows";
import { takeSqliteFast } from "./sqliteFast";
import { SnapshotWriter } from "./writer";

export interface SnapshotProgress {
  /** The table being read. */
  table: string;
  /** Tables finished before this one. */
  tablesDone: number;
  tables: number;
  /** Rows written so far, all tables. */
  rows: number;
}

export interface TakeSnapshotOptions {
  /** Default "manual". */
  kind?: SnapshotKind;
  /** File name of a manual snapshot (sanitised); default backup-<time>. */
  name?: string;
  /** Called as rows are written: after every batch (of a SQLite file: at each table, and at most every 50 ms). */
  onProgress?: (progress: SnapshotProgress) => void;
  /** Rows per query and per progress call; default 2000. */
  batchRows?: number;
  /** The tables' DDL (src/schema), so a restore into a new database can create them. */
  ddl?: SchemaDdl;
}

export interface TakenSnapshot {
  /** File name in the store. */
  file: string;
  path: string;
  /** The snapshot holds exactly the state after this journal sequence number. */
  seq: number;
  createdAt: number;
  rows: number;
  bytes: number;
  tables: { name: string; rows: number; digest: string }[];
  /** How long it took, milliseconds. */
  ms: number;
}

export async function takeSnapshot(
  dialect: CaptureDialect,
  schema: DatabaseSchema,
  storeDir: string,
  options: TakeSnapshotOptions = {},
): Promise<TakenSnapshot> {
  const started = performance.now();
  await requireDirectory(storeDir);
  // A SQLite file is read by better-sqlite3 in a process of its own
  // (sqliteFast.ts), its rows packed in C where the native encoder loads
  // (nativeEncoder.ts): several times faster, and the app's event loop keeps
  // running meanwhile. PostgreSQL, an in-memory SQLite database, or a machine
  // where better-sqlite3 does not load: the dialect's own consistent read.
  const file = dialect.engine === "sqlite" ? ((dialect as SqliteDialect).databaseFile ?? null) : null;
  // The DDL lets a restore recreate the tables in a new database, with no entity classes.
  options = { ...options, ddl: options.ddl ?? await dialect.captureDdl(schema.tables.map((t) => t.name)) };
  const taken = (file !== null ? await takeSqliteFast(file, schema, storeDir, options) : null)
    ?? await dialect.readConsistent((reader) => writeSnapshot(reader, schema, storeDir, options), schema);
  await addToManifest(storeDir, taken.file);
  return { ...taken, ms: performance.now() - started };
}

/**
 * Row blocks close at the writer's 1 MiB rather than at 2000 rows: small rows
 * then compress to half the size (zstd sees more alike rows), a little
 * faster. Memory stays bounded by the block's bytes.
 */
const BLOCK_ROWS = 1_000_000;

type Batch = readonly (Row | readonly ColumnValue[])[] | PackedRows;

/** One consistent view to snapshot: the dialect's ConsistentReader, or the fast path's own. */
export interface SnapshotSource {
  readonly seq: number;
  readonly at: number;
  /** Rows in primary key order: objects, arrays in schema column order, or packed. */
  batches(table: string, size: number): AsyncIterable<Batch> | Iterable<Batch>;
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
  const file = snapshotFileName(kind, createdAt, options.name);
  const path = join(storeDir, file);
  // The writer would refuse at the end anyway; say so before reading the whole database.
  if (await exists(path)) throw alreadyExists(path, kind);
  const name = file.slice(0, -SNAPSHOT_EXT.length);
  const writer = await SnapshotWriter.create(path, { kind, name, createdAt, seq: source.seq, schema, ddl: options.ddl }, { batchRows: BLOCK_ROWS });
  try {
    let rows = 0;
    for (const [tablesDone, table] of schema.tables.entries()) {
      await writer.beginTable(table.name);
      for await (const batch of source.batches(table.name, batchRows)) {
        if (batch instanceof PackedRows) await writer.writePacked(batch.bytes, batch.rows);
        else await writer.writeRows(batch);
        rows += batch instanceof PackedRows ? batch.rows : batch.length;
        options.onProgress?.({ table: table.name, tablesDone, tables: schema.tables.length, rows });
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

async function requireDirectory(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => null);
  if (stat === null || !stat.isDirectory()) {
    throw new BackupError("NOT_FOUND", `backup store ${dir} does not exist`, "create the directory, or pass the store of the app with --dir (or $BACKUP_DIR)");
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
