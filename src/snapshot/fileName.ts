/**
 * Snapshot file names. They carry the kind and time so a directory listing
 * reads well without the manifest, and follow the names of the old JSON
 * backups (backup-<time>, daily-backup-<date>, ...). Times are UTC.
 */
import { BackupError } from "../errors";
import type { SnapshotKind } from "./format";

export const SNAPSHOT_EXT = ".snap";

/** `2024-01-01T10-30-00-123Z`: ISO 8601 with the characters file systems dislike replaced. */
export function fileTimestamp(at: number | Date): string {
  return new Date(at).toISOString().replace(/[:.]/g, "-");
}

/**
 * `period`: the date a scheduled snapshot stands for (YYYY-MM-DD, in its
 * schedule's time zone: src/schedule/); default the UTC date it was taken.
 * A catch-up run after the schedule's time is then named after its own
 * period, never after the next one's.
 */
export function snapshotFileName(kind: SnapshotKind, createdAt: number | Date, name?: string, period?: string): string {
  if (name !== undefined && kind !== "manual" && kind !== "imported") throw new BackupError("BAD_USAGE", `only manual snapshots take a custom name (this one is ${kind})`);
  if (period !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(period)) throw new BackupError("BAD_INPUT", `snapshot period "${period}" is not a date (YYYY-MM-DD)`);
  const date = period ?? new Date(createdAt).toISOString().slice(0, 10);
  switch (kind) {
    case "manual": return (name === undefined ? `backup-${fileTimestamp(createdAt)}` : sanitizeName(name)) + SNAPSHOT_EXT;
    case "daily": return `daily-backup-${date}${SNAPSHOT_EXT}`;
    case "weekly": return `weekly-backup-${date}${SNAPSHOT_EXT}`;
    case "monthly": return `monthly-backup-${date}${SNAPSHOT_EXT}`;
    case "safety": return `safety-${fileTimestamp(createdAt)}${SNAPSHOT_EXT}`;
    // Named after the old file, so importing a folder again finds what it already imported.
    case "imported": return `imported-${name === undefined ? fileTimestamp(createdAt) : sanitizeName(name)}${SNAPSHOT_EXT}`;
  }
}

/**
 * A user's name as a file name in the store: letters, digits, `.`, `_`, `-`
 * only (no path separators, so the file stays in the store), no leading dot
 * (hidden files), and without a `.snap` the user may have typed.
 */
export function sanitizeName(name: string): string {
  const clean = name
    .trim()
    .replace(/\.snap$/i, "")
    .replace(/[^\p{L}\p{N}._-]+/gu, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 120);
  if (clean === "") throw new BackupError("BAD_INPUT", `"${name}" cannot be used as a snapshot name`, "use letters, digits, '.', '_' or '-'");
  return clean;
}
