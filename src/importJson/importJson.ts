/**
 * importJson(): an old JSON backup becomes a snapshot of kind `imported`
 * in the store, created at the old backup's time, so list, restore,
 * validate and export-sql work on it like on any other. The schema is the
 * store's own (its newest snapshot's, with the DDL a restore creates tables
 * from). The rows are placed and checked before the snapshot is begun, and
 * the snapshot is written under a temporary name and renamed only when
 * complete: a damaged or misfitting file never leaves a partial snapshot.
 * Seq 0 and no database id: it is at no journal position, so a restore
 * takes its own state and never replays the journal on it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DatabaseSchema } from "../db/types";
import { BackupError } from "../errors";
import type { SchemaDdl } from "../schema/ddl";
import { addToManifest, listSnapshots, readInfo, snapshotFileName, SnapshotWriter } from "../snapshot";
import { existingStore } from "../store";
import { readOldBackup } from "./oldBackup";
import { type ImportReport, placeRows, PlacementError } from "./placeRows";

export interface ImportOptions {
  store?: string;
  file: string;
  /** Write the snapshot although tables or fields could not be placed, or counts differ (they are reported). */
  acceptUnplaced?: boolean;
}

export interface ImportResult {
  file: string;
  /** The snapshot's file name in the store. */
  snapshot: string;
  /** It was imported before (the snapshot exists): nothing was written. */
  skipped: boolean;
  createdAt: string;
  rows: number;
  report: ImportReport | null;
  /** What was reported but did not stop the import (with acceptUnplaced). Dropped relations are in report.droppedRelations: expected, no warning. */
  warnings: string[];
}

/** The old file's name without .json / .json.gz: the imported snapshot's name. */
export function oldBackupName(file: string): string {
  return path.basename(file).replace(/\.json(\.gz)?$/i, "").replace(/\.gz$/i, "");
}

export function importedFileName(file: string): string {
  return snapshotFileName("imported", 0, oldBackupName(file));
}

/** The schema the store's database has: its newest regular snapshot's (an imported one's only when there is nothing else). */
async function storeSchema(store: string): Promise<{ schema: DatabaseSchema; ddl: SchemaDdl | undefined }> {
  const { snapshots } = await listSnapshots(store);
  const ordered = [...snapshots].sort((a, b) => Number(a.kind !== "imported") - Number(b.kind !== "imported") || a.seq - b.seq || a.createdAt - b.createdAt);
  const newest = ordered[ordered.length - 1];
  if (!newest) {
    throw new BackupError("NOT_FOUND", `${store} holds no snapshot to take the schema from`,
      "take one of the app's database first (stocktake-backup backup): the import places the old rows into its tables");
  }
  const { header } = await readInfo(path.join(store, newest.file));
  return { schema: header.schema, ddl: header.ddl };
}

export function reportWarnings(report: ImportReport): string[] {
  return [
    ...report.unplacedTables.map((t) => `data.${t.name} (${t.rows} rows) matches no table of the schema: not imported`),
    ...report.unplacedColumns.map((c) => `table "${c.table}": field ${c.field} (in ${c.rows} rows) matches no column: not imported`),
    ...report.countMismatches.map((m) => `data.${m.table} holds ${m.rows} rows, metadata.tables says ${m.metadata}`),
  ];
}

export async function importJson(options: ImportOptions): Promise<ImportResult> {
  const store = existingStore(options.store);
  const name = oldBackupName(options.file);
  const file = importedFileName(options.file);
  const target = path.join(store, file);
  if (fs.existsSync(target)) {
    const { header, trailer } = await readInfo(target);
    return { file: options.file, snapshot: file, skipped: true, createdAt: new Date(header.createdAt).toISOString(), rows: trailer.rows, report: null, warnings: [] };
  }
  const backup = readOldBackup(options.file);
  const { schema, ddl } = await storeSchema(store);
  let placed;
  try {
    placed = placeRows(backup, schema, ddl);
  } catch (e) {
    if (!(e instanceof PlacementError)) throw e;
    throw new BackupError("BAD_INPUT", `${options.file}: ${e.problems.slice(0, 6).join("; ")}`,
      "nothing was imported; the schema of the store's newest snapshot is what the old rows must fit");
  }
  const { rows, report } = placed;
  const blocking = reportWarnings(report);
  if (blocking.length > 0 && !options.acceptUnplaced) {
    throw new BackupError("BAD_INPUT", `${options.file}: ${blocking.slice(0, 6).join("; ")}${blocking.length > 6 ? `; and ${blocking.length - 6} more` : ""}`,
      "nothing was imported; pass --accept-unplaced to import what can be placed (the rest is reported)");
  }
  const writer = await SnapshotWriter.create(target, { kind: "imported", name, createdAt: backup.timestamp, seq: 0, schema, ddl });
  let total = 0;
  try {
    for (const table of schema.tables) {
      await writer.beginTable(table.name);
      const list = rows.get(table.name) ?? [];
      for (let i = 0; i < list.length; i += 2000) await writer.writeRows(list.slice(i, i + 2000));
      total += list.length;
      await writer.endTable();
    }
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await addToManifest(store, file);
  return { file: options.file, snapshot: file, skipped: false, createdAt: new Date(backup.timestamp).toISOString(), rows: total, report, warnings: blocking };
}

/** The old backups of a folder, oldest name first: backup-….json, daily-backup-…, their .json.gz (a .json and its .gz are one backup: the .json is taken). */
export function oldBackupsIn(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (e) {
    throw new BackupError("NOT_FOUND", `cannot read the folder ${folder}: ${(e as Error).message}`, "give the old system's backups/ folder");
  }
  // The old scheduler's names have no extension (old-scripts §2.3): taken too, so their loss is reported.
  const candidates = names.filter((n) => (/\.json(\.gz)?$/i.test(n) || /^(daily|weekly|monthly)-backup-\d{4}-\d\d-\d\d$/.test(n)) && !/^integrity-report-/.test(n)).sort();
  const plain = new Set(candidates.filter((n) => /\.json$/i.test(n)));
  return candidates.filter((n) => !(/\.gz$/i.test(n) && plain.has(n.slice(0, -3)))).map((n) => path.join(folder, n));
}
