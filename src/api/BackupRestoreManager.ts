/**
 * The old scripts' programmatic API, kept for code that used it: methods
 * resolve to `{ success, … }` and never throw. The work is done by the same
 * code as the CLI (connect, snapshot, manifest).
 */
import { DataSource } from "typeorm";
import { existingStore, openChangelogForCli } from "../cli/connect";
import { BackupError, ErrorCode } from "../errors";
import { listSnapshots, ManifestEntry } from "../snapshot";

export interface BackupRestoreManagerOptions {
  /** An initialised DataSource of the app; default: a connection from `db`. */
  dataSource?: DataSource;
  /** The backup store; default $BACKUP_DIR, else ./snapshots. It must exist. */
  dir?: string;
  /** Database URL or SQLite path when no dataSource is given; default $DATABASE_URL, else the app's ormconfig. */
  db?: string;
}

export interface BackupFailure {
  success: false;
  error: string;
  /** BackupError's stable code; absent for unexpected errors. */
  code?: ErrorCode;
}

export type CreateBackupResult =
  | { success: true; file: string; path: string; seq: number; rows: number; bytes: number }
  | BackupFailure;

export type ListBackupsResult = { success: true; backups: ManifestEntry[] } | BackupFailure;

function failure(error: unknown): BackupFailure {
  if (error instanceof BackupError) return { success: false, error: error.hint ? `${error.message} (${error.hint})` : error.message, code: error.code };
  return { success: false, error: error instanceof Error ? error.message : String(error) };
}

export class BackupRestoreManager {
  constructor(private readonly options: BackupRestoreManagerOptions = {}) {}

  /** A manual snapshot, named `name` or backup-<time>. */
  async createBackup(name?: string): Promise<CreateBackupResult> {
    try {
      const changelog = await openChangelogForCli(this.options);
      try {
        const t = await changelog.snapshot({ name });
        return { success: true, file: t.file, path: t.path, seq: t.seq, rows: t.rows, bytes: t.bytes };
      } finally {
        await changelog.close();
      }
    } catch (error) {
      return failure(error);
    }
  }

  /** The store's snapshots, oldest first; reads only (I8). */
  async listBackups(): Promise<ListBackupsResult> {
    try {
      return { success: true, backups: (await listSnapshots(existingStore(this.options.dir))).snapshots };
    } catch (error) {
      return failure(error);
    }
  }
}
