/**
 * Which snapshots a policy keeps, and why each one (restic's forget rules,
 * with the window of pgBackRest's time retention; research:
 * anchors-operations.md). A pure function of the snapshots, the policy and
 * the time, so it is the same in `--dry-run`, in `cleanup` and in tests.
 *
 * - The newest snapshot is always kept.
 * - daily / weekly / monthly N: going from the newest back, the newest
 *   snapshot of each of the last N periods that have one is kept.
 * - within D: every snapshot of the last D is kept, and so is the one a
 *   restore to the window's start begins from (the newest at or before it):
 *   every instant of the window stays restorable, which may keep one
 *   snapshot older than D (a 35-day-old one with a 30-day window).
 * - safety snapshots (what an in-place restore replaced) never stand for a
 *   period: they are kept inside the window, and the newest of them always,
 *   as the undo of the last in-place restore; older ones outside go.
 * - a snapshot dated in the future (a clock that was wrong) is kept, and
 *   counts for nothing.
 * Unreadable snapshot files are not decided on: cleanup leaves them.
 */
import type { ManifestEntry } from "../snapshot";
import { periodKey, type Period } from "./calendar";
import type { RetentionPolicy } from "./retentionPolicy";

export type SnapshotLike = Pick<ManifestEntry, "file" | "kind" | "createdAt" | "seq">;

export interface Decision<S extends SnapshotLike = SnapshotLike> {
  snapshot: S;
  keep: boolean;
  /** Why it is kept ("newest", "daily 2026-12-01", "within 30d", …); empty when it goes. */
  reasons: string[];
  /** Kept for a restore to reach an instant of the window or of a period: the journal from its seq on is kept too. */
  replayFrom: boolean;
}

export interface RetentionDecision<S extends SnapshotLike = SnapshotLike> {
  /** Oldest first. */
  decisions: Decision<S>[];
  /** The window's start (ms); null when the policy has none. */
  windowStart: number | null;
}

const PERIODS: { period: Period; count: (p: RetentionPolicy) => number }[] = [
  { period: "daily", count: (p) => p.keepDaily },
  { period: "weekly", count: (p) => p.keepWeekly },
  { period: "monthly", count: (p) => p.keepMonthly },
];

const newestFirst = (a: SnapshotLike, b: SnapshotLike) => b.createdAt - a.createdAt || b.seq - a.seq || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0);

export function decideRetention<S extends SnapshotLike>(snapshots: readonly S[], policy: RetentionPolicy, now: number): RetentionDecision<S> {
  const byFile = new Map(snapshots.map((s) => [s.file, { snapshot: s, keep: false, reasons: [] as string[], replayFrom: false }]));
  const keep = (s: S, reason: string, replayFrom = true) => {
    const d = byFile.get(s.file)!;
    d.keep = true;
    d.reasons.push(reason);
    d.replayFrom ||= replayFrom;
  };
  const sorted = [...snapshots].sort(newestFirst);
  const present = sorted.filter((s) => s.createdAt <= now);
  for (const s of sorted) if (s.createdAt > now) keep(s, "dated in the future");

  if (present[0]) keep(present[0], "newest");
  // Ties (same seq) broken as newestFirst does, so "newest" and "newest by seq" agree on which of two twins they mean.
  const bySeq = [...snapshots].sort((a, b) => b.seq - a.seq || newestFirst(a, b));
  if (bySeq[0] && bySeq[0] !== present[0] && bySeq[0].createdAt <= now) keep(bySeq[0], "newest by seq");

  for (const { period, count } of PERIODS) {
    let left = count(policy);
    let last: string | null = null;
    for (const s of present) {
      if (left === 0) break;
      if (s.kind === "safety") continue;
      const key = periodKey(period, s.createdAt, policy.timeZone);
      if (key === last) continue;
      keep(s, `${period} ${key}`);
      last = key;
      left--;
    }
  }

  let windowStart: number | null = null;
  if (policy.keepWithinMs > 0) {
    windowStart = now - policy.keepWithinMs;
    for (const s of present) if (s.createdAt >= windowStart) keep(s, "within the window");
    // The one a restore to the window's start begins from: the newest by seq created at or before it (restore/plan.ts).
    const anchor = bySeq.find((s) => s.createdAt <= windowStart!);
    if (anchor) keep(anchor, "needed to restore to the window's start");
  }

  const safety = present.find((s) => s.kind === "safety");
  if (safety) keep(safety, "newest safety snapshot (undo of the last in-place restore)", false);

  const decisions = [...byFile.values()].sort((a, b) => -newestFirst(a.snapshot, b.snapshot));
  return { decisions, windowStart };
}

/**
 * The seq the journal must be kept from: the oldest snapshot kept for
 * restores. Segments that end at or before it are not needed by any
 * restore that is left; null when no snapshot is kept for restores.
 */
export function journalFloor(decision: RetentionDecision): number | null {
  const seqs = decision.decisions.filter((d) => d.keep && d.replayFrom).map((d) => d.snapshot.seq);
  return seqs.length === 0 ? null : Math.min(...seqs);
}
