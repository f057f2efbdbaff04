/**
 * Taking what is due, once: decide (due.ts), and only when something is,
 * take the schedule's lock (waiting for another run), decide again under it
 * (the other run may have taken it), and take each due snapshot named after
 * its period. Nothing due costs a read of the snapshots' headers: no lock,
 * no database connection.
 */
import { listSnapshots } from "../snapshot";
import type { TakenSnapshot, TakeSnapshotOptions } from "../snapshot/take";
import type { Schedule } from "./config";
import { dueAt, type DueSnapshot } from "./due";
import { lockSchedule } from "./scheduleLock";

/** What takes the snapshots: a Changelog, a BackupSource. */
export interface SnapshotTaker {
  snapshot(options: TakeSnapshotOptions): Promise<TakenSnapshot>;
}

export interface RunDueOptions {
  /** The clock; default Date.now. */
  now?: () => number;
  /** How long to wait for another run holding the lock; default 5 minutes. */
  lockWaitMs?: number;
  /** Opens what takes the snapshots, only when one is due; `close` (if any) is called after. */
  open: () => Promise<SnapshotTaker & { close?: () => Promise<void> }>;
  /** Told after each snapshot. */
  onTaken?: (due: DueSnapshot, taken: TakenSnapshot) => void;
}

export interface TakenScheduled {
  due: DueSnapshot;
  taken: TakenSnapshot;
}

export interface DueRun {
  /** When it last decided. */
  checkedAt: number;
  taken: TakenScheduled[];
  /** How long it waited for another run's lock (0: none held it, or nothing was due). */
  waitedMs: number;
}

export const DEFAULT_LOCK_WAIT_MS = 5 * 60_000;

export async function runDue(storeDir: string, schedule: Schedule, options: RunDueOptions): Promise<DueRun> {
  const now = options.now ?? Date.now;
  let checkedAt = now();
  if (dueAt(checkedAt, schedule, (await listSnapshots(storeDir)).snapshots).length === 0) return { checkedAt, taken: [], waitedMs: 0 };
  const lock = await lockSchedule(storeDir, options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  const taken: TakenScheduled[] = [];
  try {
    checkedAt = now();
    const due = dueAt(checkedAt, schedule, (await listSnapshots(storeDir)).snapshots);
    if (due.length === 0) return { checkedAt, taken, waitedMs: lock.waitedMs };
    const taker = await options.open();
    try {
      for (const d of due) {
        const t = await taker.snapshot({ kind: d.kind, period: d.period });
        taken.push({ due: d, taken: t });
        options.onTaken?.(d, t);
      }
    } finally {
      await taker.close?.();
    }
    return { checkedAt, taken, waitedMs: lock.waitedMs };
  } finally {
    lock.release();
  }
}
