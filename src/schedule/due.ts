/**
 * The one decision both ways of running the schedule share (backup:auto
 * from cron, and attachChangelog's in the app): what is due at instant T,
 * given the snapshots in the store. A kind is due when its schedule fired at
 * or before T and the store has no snapshot of that kind taken since, nor
 * one already named after that period. So any rate of asking gives one
 * snapshot per period (every minute from cron is safe), and after the
 * machine was off for days one snapshot per kind catches up, not one per
 * missed day. Pure: the clock and the store are arguments.
 */
import { snapshotFileName, type SnapshotKind } from "../snapshot";
import { type Schedule, SCHEDULED_KINDS, type ScheduledKind } from "./config";
import { occurrencesOf, periodOf } from "./occurrences";

/** What the decision reads of a snapshot (a ManifestEntry has it). */
export interface StoredSnapshot {
  kind: SnapshotKind;
  createdAt: number;
  file: string;
}

export interface KindState {
  kind: ScheduledKind;
  pattern: string;
  /** The last time the schedule fired at or before T; null when never. */
  firedAt: number | null;
  /** The period that firing stands for, and the file its snapshot gets. */
  period: string | null;
  file: string | null;
  /** The newest snapshot of this kind, if any. */
  newest: StoredSnapshot | null;
  due: boolean;
  /** The next time the schedule fires after T. */
  nextAt: number | null;
}

export interface DueSnapshot {
  kind: ScheduledKind;
  /** When the schedule fired (the snapshot is due since). */
  firedAt: number;
  period: string;
  file: string;
}

/** Every scheduled kind's state at `now`, kinds that are off left out. */
export function scheduleStateAt(now: number, schedule: Schedule, snapshots: readonly StoredSnapshot[]): KindState[] {
  const states: KindState[] = [];
  for (const kind of SCHEDULED_KINDS) {
    const pattern = schedule.patterns[kind];
    if (pattern === null) continue;
    const occurrences = occurrencesOf(pattern, schedule.timeZone);
    const { from: firedAt, to: nextAt } = occurrences.around(now);
    let newest: StoredSnapshot | null = null;
    for (const s of snapshots) if (s.kind === kind && (newest === null || s.createdAt > newest.createdAt)) newest = s;
    const period = firedAt === null ? null : periodOf(firedAt, schedule.timeZone);
    const file = period === null ? null : snapshotFileName(kind, now, undefined, period);
    const taken = firedAt === null || (newest !== null && newest.createdAt >= firedAt) || snapshots.some((s) => s.file === file);
    states.push({ kind, pattern, firedAt, period, file, newest, due: !taken, nextAt });
  }
  return states;
}

/** The snapshots due at `now`: daily, weekly, monthly, those that are. */
export function dueAt(now: number, schedule: Schedule, snapshots: readonly StoredSnapshot[]): DueSnapshot[] {
  return scheduleStateAt(now, schedule, snapshots)
    .filter((s) => s.due)
    .map((s) => ({ kind: s.kind, firedAt: s.firedAt!, period: s.period!, file: s.file! }));
}
