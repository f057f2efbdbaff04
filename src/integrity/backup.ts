/**
 * validate backup: a snapshot file proven before it is needed. Its
 * structure and checksums (every block, each table's row count and digest
 * against the trailer: the reader checks them as it reads), its
 * completeness (every table the app's schema has, by exact name: the old
 * validator asked for "User", "Store"… in capitals, which no backup ever
 * had, so every restore failed), then the rules over its rows; and, when it
 * is the newest snapshot of a store, that the journal after it can be
 * replayed to its end. Each problem is a finding with a message that names
 * the table, the byte offset or the seq; nothing is written (I8).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../errors";
import { checkCoverage, journalEnd } from "../journal/coverage";
import { listSnapshots, SnapshotReader } from "../snapshot";
import { FindingCollector } from "./collector";
import type { Rule } from "./rule";
import type { Secrets } from "../secrets";
import { ruleSchemaOf } from "./ruleSchema";
import { RuleRun } from "./run";
import { feedSnapshotRows } from "./snapshotRows";
import { type ValidationResult, validationResult } from "./result";

export const BACKUP_STRUCTURE_RULE = "backup-structure";
export const BACKUP_COMPLETE_RULE = "backup-complete";
export const BACKUP_JOURNAL_RULE = "backup-journal";

export interface BackupValidationOptions {
  rules: readonly Rule[];
  /** Tables the app's schema has (the live database's, when it is reachable): each must be in the snapshot. */
  requiredTables?: string[];
  onProgress?: (progress: { table: string; rows: number; totalRows: number }) => void;
  /** Columns whose values messages show as `<redacted>`; default src/secrets.ts's list and $BACKUP_SECRET_COLUMNS. */
  secrets?: Secrets;
}

export interface BackupValidation extends ValidationResult {
  file: string;
  /** Structure, checksums and completeness held (rules aside). */
  intact: boolean;
}

export async function validateBackup(file: string, options: BackupValidationOptions): Promise<BackupValidation> {
  const started = performance.now();
  const collector = new FindingCollector();
  const problem = (rule: string, message: string, table?: string) =>
    collector.add({ rule, severity: "error", message, ...(table ? { table } : {}) });
  const reader = await SnapshotReader.open(file); // a file that is not a snapshot at all is SNAPSHOT_CORRUPT here
  let rows = 0;
  let intact = true;
  try {
    const { header, trailer } = reader;
    const names = new Set(header.schema.tables.map((t) => t.name));
    const required = new Map<string, string>();
    for (const t of options.requiredTables ?? []) required.set(t, "the database has it");
    for (const t of header.ddl?.tables ?? []) {
      for (const fk of t.foreignKeys) if (!required.has(fk.table)) required.set(fk.table, `"${t.name}" references it`);
    }
    for (const [table, why] of required) {
      if (!names.has(table)) { intact = false; problem(BACKUP_COMPLETE_RULE, `table "${table}" is missing from the backup (${why})`, table); }
    }
    const schema = ruleSchemaOf(header.schema, header.ddl, options.secrets);
    const run = new RuleRun(options.rules, schema, "scan", collector.add);
    try {
      await feedSnapshotRows(reader, run, "insert", (table, n) => {
        rows += n;
        options.onProgress?.({ table, rows, totalRows: trailer.rows });
      });
      run.commit(header.seq, header.createdAt);
    } catch (error) {
      if (!(error instanceof BackupError) || error.code !== "SNAPSHOT_CORRUPT") throw error;
      intact = false;
      problem(BACKUP_STRUCTURE_RULE, error.message);
    } finally {
      run.close();
    }
    const journal = await journalAfter(file, header.seq);
    if (journal !== null) { intact = false; problem(BACKUP_JOURNAL_RULE, journal); }
    const result = validationResult(collector, {
      engine: header.engine, seq: header.seq, at: header.createdAt, tables: names.size, rows, rules: options.rules, ms: performance.now() - started,
    });
    return { ...result, file: path.resolve(file), intact };
  } finally {
    await reader.close();
  }
}

/** When `file` is the newest snapshot of a store: why the journal after it cannot be replayed to its end, or null. */
async function journalAfter(file: string, seq: number): Promise<string | null> {
  const store = path.dirname(path.resolve(file));
  if (!fs.existsSync(path.join(store, "journal"))) return null;
  const { snapshots } = await listSnapshots(store);
  const newest = snapshots.filter((s) => s.kind !== "safety").sort((a, b) => b.seq - a.seq || b.createdAt - a.createdAt)[0];
  if (!newest || path.join(store, newest.file) !== path.resolve(file)) return null;
  try {
    const end = journalEnd(store);
    if (end === null) return null;
    if (end.damage) return `the journal after the newest snapshot is damaged: ${end.damage}`;
    checkCoverage(store, seq, end.lastSeq, end);
    return null;
  } catch (error) {
    if (error instanceof BackupError) return `the journal after the newest snapshot (seq ${seq}) cannot be replayed: ${error.message}`;
    throw error;
  }
}
