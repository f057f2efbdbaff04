/** What a restore is asked, and what it says it did. */
import type { DataSource } from "typeorm";
import type { Finding, RowEventRule } from "./events";
import type { TargetMode } from "./target";

export interface RestoreOptions {
  /** The backup store; default $BACKUP_DIR, else ./snapshots. */
  store?: string;
  /**
   * Restore the state after the last transaction committed at or before this
   * instant: a Date, ms, or text in a form src/instant.ts reads (ISO 8601
   * with a zone, `now`, `-2h`, `yesterday 14:05`…), strictly. An instant in
   * the future is refused; one after the journal's end restores the newest
   * state and says so (RestoreResult.journalEndedBefore).
   */
  to?: string | Date | number;
  /** IANA zone of zone-less forms of `to` (`yesterday 14:05`, `2026-11-26T14:05`); default the machine's zone for the day words only. */
  timeZone?: string;
  /** Restore the state after this journal sequence number. */
  toSeq?: number;
  /** Start from this snapshot file (path or file name in the store), or "latest". Alone: that snapshot's own state. */
  snapshot?: string;
  /** The newest snapshot replayed to the end of the journal: the most recent state the store holds (the default). */
  latest?: boolean;
  /**
   * Where to restore: a SQLite path or `file:` URL, or a postgres:// URL, that
   * does not exist yet or is empty. Default: a new database for a point in
   * time; the source database itself (in place) for a snapshot file alone.
   */
  target?: string;
  /** In place: replace the rows of the source database, after a safety snapshot of them. */
  clearExisting?: boolean;
  /** Plan, check and replay into a scratch database; change nothing. */
  dryRun?: boolean;
  /** Skip the checks after the load (row counts, foreign keys). */
  skipValidation?: boolean;
  /** The live database (URL, path or DataSource): the in-place target, and the server a default PostgreSQL target is created on. */
  source?: string | DataSource;
  /** Integrity rules run over the restore's row events; their findings are reported, not enforced. */
  rules?: RowEventRule[];
  onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoreProgress {
  phase: "safety" | "load" | "replay" | "check";
  table?: string;
  rows: number;
  totalRows: number;
  frames: number;
  totalFrames: number;
}

export interface RestoreResult extends RestoreOutcome {
  dryRun: boolean;
  /** The database restored into (for a dry run: the one a real run would write). */
  target: string;
  mode: TargetMode;
  snapshot: { file: string; path: string; kind: string; seq: number; createdAt: string };
  /** The instant asked for (`to`), ISO 8601; null for a restore by seq or of a snapshot. */
  to: string | null;
  /** When `to` is after the journal's last transaction: that transaction, the newest state the store holds, which was restored. */
  journalEndedBefore: { seq: number; at: string } | null;
  ms: number;
}

/** What the load, the replay and the checks produced. */
export interface RestoreOutcome {
  /** False when a check or rule found an error (the data was still committed only if validation was skipped). */
  success: boolean;
  seqReached: number;
  /** Commit time of seqReached when a frame was replayed, else the snapshot's creation time. */
  atReached: string;
  rowsPerTable: Record<string, number>;
  rows: number;
  framesReplayed: number;
  /** The snapshot taken of the replaced rows (in place only). */
  safetySnapshot: string | null;
  findings: Finding[];
}
