/**
 * The store's disk: free and total bytes (statfs, as an unprivileged user
 * may write them), whether the store can be written, and how many days of
 * the store's own growth the free space leaves. Growth is what the store
 * gained over the last week (snapshots taken, journal written), per day,
 * over at least one day: a store a few minutes old does not predict a
 * flood.
 */
import * as fs from "node:fs";
import type { ManifestEntry } from "../../snapshot";
import type { JournalRange } from "../../journal/reader";
import { journalDir } from "../../journal/segment";

export interface DiskSpace { freeBytes: number; sizeBytes: number }

/** What health reads the disk with; a test may give its own. */
export type StatFs = (dir: string) => DiskSpace;

export const realStatFs: StatFs = (dir) => {
  const s = fs.statfsSync(dir);
  return { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
};

export interface DiskFigures extends DiskSpace {
  freeRatio: number;
  /** Bytes a day the store grew by over the last week; null when it did not grow. */
  growthBytesPerDay: number | null;
  /** Days of that growth the free space leaves; null without growth. */
  daysLeft: number | null;
}

const DAY_MS = 86_400_000;
const WINDOW_MS = 7 * DAY_MS;

/** Whether the store and its journal can be written: access(2), which writes nothing, and says EROFS for a read-only mount. */
export function storeWritable(dir: string): { writable: boolean; error: string | null } {
  for (const d of [dir, journalDir(dir)]) {
    if (d !== dir && !fs.existsSync(d)) continue;
    try {
      fs.accessSync(d, fs.constants.W_OK);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { writable: false, error: `${d}: ${err.code === "EROFS" ? "read-only file system" : err.code === "EACCES" ? "permission denied" : err.message}` };
    }
  }
  return { writable: true, error: null };
}

/** Bytes the store gained in (now - 7 days, now]: snapshots taken then, and the part of each journal segment written then. */
export function recentGrowth(now: number, snapshots: readonly ManifestEntry[], journal: JournalRange | null, since: number): number | null {
  const from = now - WINDOW_MS;
  let bytes = 0;
  for (const s of snapshots) if (s.createdAt > from) bytes += s.bytes;
  for (const seg of journal?.segments ?? []) {
    const first = seg.firstAt ?? seg.createdAt;
    const last = seg.lastAt ?? first;
    if (last <= from) continue;
    bytes += first >= from || last === first ? seg.bytes : seg.bytes * ((last - from) / (last - first));
  }
  if (bytes === 0) return null;
  const days = Math.max(1, Math.min(WINDOW_MS, now - since) / DAY_MS);
  return bytes / days;
}

export function diskFigures(space: DiskSpace, growthBytesPerDay: number | null): DiskFigures {
  return {
    ...space,
    freeRatio: space.sizeBytes > 0 ? space.freeBytes / space.sizeBytes : 0,
    growthBytesPerDay,
    daysLeft: growthBytesPerDay === null ? null : space.freeBytes / growthBytesPerDay,
  };
}
