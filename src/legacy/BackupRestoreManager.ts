/**
 * The old scripts' programmatic API, kept for code that used it: methods
 * resolve to `{ success, … }` and never throw. The work is done by the same
 * code as the CLI (connect, snapshot, manifest).
 */
import { DataSource } from "typeorm";
import { existingStore } from "../store";
import { openBackupSource } from "../backupSource";
import { openDatabase } from "../db/connect";
import { BackupError, ErrorCode } from "../errors";
import { asBackupError } from "../systemErrors";
import { restore, type RestoreResult } from "../restore";
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

export interface RestoreBackupOptions {
  /** Plan, check and replay into a scratch database; change nothing. */
  dryRun?: boolean;
  /** Skip the checks after the load (row counts, foreign keys). */
  skipValidation?: boolean;
  /** Replace the rows of the app's database, after a safety snapshot of them. */
  clearExisting?: boolean;
  /** Restore into this new or empty database (path or URL) instead of the app's. */
  target?: string;
}

export type RestoreBackupResult = RestoreResult | BackupFailure;

function failure(thrown: unknown): BackupFailure {
  // A full disk or an unreachable server gets its code too, as on the command line.
  const error = asBackupError(thrown) ?? thrown;
  if (error instanceof BackupError) return { success: false, error: error.hint ? `${error.message} (${error.hint})` : error.message, code: error.code };
  return { success: false, error: error instanceof Error ? error.message : String(error) };
}

export class BackupRestoreManager {
  constructor(private readonly options: BackupRestoreManagerOptions = {}) {}

  /** A manual snapshot, named `name` or backup-<time>. */
  async createBackup(name?: string): Promise<CreateBackupResult> {
    try {
      const changelog = await openBackupSource(this.options);
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

  /**
   * Restores a snapshot file (path, or file name in the store) into the app's
   * database, as the old restoreBackup did: the database must be empty, or
   * `clearExisting` replaces its rows after a safety snapshot of them.
   */
  async restoreBackup(path: string, options: RestoreBackupOptions = {}): Promise<RestoreBackupResult> {
    let opened: DataSource | null = null;
    try {
      const store = existingStore(this.options.dir);
      const url = this.options.db ?? process.env.DATABASE_URL;
      const source = this.options.dataSource ?? (url?.trim() ? url.trim() : (opened = await openDatabase()));
      return await restore({ store, snapshot: path, source, ...options });
    } catch (error) {
      return failure(error);
    } finally {
      if (opened?.isInitialized) await opened.destroy();
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
