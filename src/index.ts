import "reflect-metadata";

export { attachChangelog, Changelog, ChangelogOptions, InAppScheduleOptions } from "./attach";
export { resolveStoreDir } from "./store";
export { Durability } from "./capture/shipper";
export { BackupError, ErrorCode, EXIT_STATUS } from "./errors";
export { parseInstant, INSTANT_FORMS, Instant, InstantOptions } from "./instant";
export { sweepLeftovers, SweepOptions } from "./leftovers/sweep";
export * from "./db/types";
export * from "./journal/types";
export {
  BackupRestoreManager, BackupRestoreManagerOptions, CreateBackupResult, ListBackupsResult, BackupFailure, RestoreBackupOptions, RestoreBackupResult,
} from "./legacy/BackupRestoreManager";
export { DataIntegrityValidator, type DataIntegrityValidatorOptions, type IntegrityCheckResult } from "./legacy/DataIntegrityValidator";
export { takeSnapshot, TakeSnapshotOptions, TakenSnapshot, SnapshotProgress } from "./snapshot/take";
export {
  restore, RestoreOptions, RestoreResult, RestoreProgress, RowEvent, RowEventRule, Finding, Severity, TargetMode,
} from "./restore";
export { verifyJournal, VerifyOptions, VerifyResult, TableDrift, DriftSample } from "./verify";
export { captureDdl, SchemaDdl } from "./schema";
