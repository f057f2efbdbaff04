import "reflect-metadata";

export { attachChangelog, Changelog, ChangelogOptions, resolveStoreDir } from "./attach";
export { Durability } from "./capture/shipper";
export { BackupError, ErrorCode } from "./errors";
export * from "./journal/types";
export {
  BackupRestoreManager, BackupRestoreManagerOptions, CreateBackupResult, ListBackupsResult, BackupFailure, RestoreBackupOptions, RestoreBackupResult,
} from "./api/BackupRestoreManager";
export { takeSnapshot, TakeSnapshotOptions, TakenSnapshot, SnapshotProgress } from "./snapshot/take";
export {
  restore, RestoreOptions, RestoreResult, RestoreProgress, RowEvent, RowEventRule, Finding, Severity, TargetMode,
  verifyJournal, VerifyOptions, VerifyResult, TableDrift, DriftSample,
} from "./restore";
export { captureDdl, SchemaDdl } from "./schema";
