/**
 * `<store>/schedule.lock`: one run at a time takes a store's scheduled
 * snapshots (backup:auto from cron, the app's own schedule). It is not the
 * journal's LOCK, which the running app holds for as long as it runs: a
 * snapshot needs no journal, but two runs deciding at once would both find
 * the daily due. A run that finds the lock held waits for it, up to
 * `waitMs`, then decides again: what the other took is no longer due.
 */
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BackupError } from "../errors";
import { releaseLockFile, tryLockFile } from "../journal/lock";
import { formatDuration } from "./duration";

export const SCHEDULE_LOCK = "schedule.lock";

export interface HeldLock {
  /** How long it waited for another run. */
  waitedMs: number;
  release(): void;
}

export async function lockSchedule(storeDir: string, waitMs: number, pollMs = 100): Promise<HeldLock> {
  const file = path.join(storeDir, SCHEDULE_LOCK);
  const started = Date.now();
  for (;;) {
    const holder = tryLockFile(file);
    if (holder === null) return { waitedMs: Date.now() - started, release: () => releaseLockFile(file) };
    const waited = Date.now() - started;
    if (waited >= waitMs) {
      throw new BackupError("STORE_LOCKED",
        `the scheduled snapshots of ${storeDir} are being taken by process ${holder || "(another)"}; waited ${formatDuration(waited)}`,
        `let it finish (a longer --lock-wait waits for it), or delete ${file} if that process is not a stocktake-backup`);
    }
    await sleep(Math.min(pollMs, waitMs - waited));
  }
}
