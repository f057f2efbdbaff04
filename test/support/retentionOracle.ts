/**
 * What a retention policy keeps, worked out a second way for the tests
 * (grouping by period, with other date code than src/operations/calendar.ts),
 * so that the property test compares two implementations, not one with itself.
 */
import type { RetentionPolicy } from "../../src/operations/retentionPolicy";
import type { SnapshotLike } from "../../src/operations/retention";

function dayOf(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
}

/** ISO week of a YYYY-MM-DD day: the week of its Thursday, counted by that Thursday's day of the year. */
function weekOf(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = Date.UTC(y, m - 1, d);
  const weekday = (new Date(date).getUTCDay() + 6) % 7;
  const thursday = new Date(date + (3 - weekday) * 86_400_000);
  const dayOfYear = Math.floor((thursday.getTime() - Date.UTC(thursday.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  return `${thursday.getUTCFullYear()}-W${String(Math.floor((dayOfYear - 1) / 7) + 1).padStart(2, "0")}`;
}

export function oracleKeeps(snapshots: readonly SnapshotLike[], policy: RetentionPolicy, now: number): Set<string> {
  const keep = new Set<string>();
  const present = snapshots.filter((s) => s.createdAt <= now);
  for (const s of snapshots) if (s.createdAt > now) keep.add(s.file);
  // Twins (same time, same seq) are told apart by file name, the later name counting as newer.
  const later = (a: SnapshotLike, b: SnapshotLike) => a.createdAt - b.createdAt || a.seq - b.seq || (a.file > b.file ? 1 : a.file < b.file ? -1 : 0);
  const maxOf = (xs: readonly SnapshotLike[], order: (a: SnapshotLike, b: SnapshotLike) => number) =>
    xs.reduce<SnapshotLike | undefined>((a, x) => (a === undefined || order(x, a) > 0 ? x : a), undefined);
  const newest = maxOf(present, later);
  if (newest) keep.add(newest.file);
  const laterSeq = (a: SnapshotLike, b: SnapshotLike) => a.seq - b.seq || later(a, b);
  const bySeq = maxOf(snapshots, laterSeq);
  if (bySeq && bySeq.createdAt <= now) keep.add(bySeq.file);
  const periods: [number, (ms: number) => string][] = [
    [policy.keepDaily, (ms) => dayOf(ms, policy.timeZone)],
    [policy.keepWeekly, (ms) => weekOf(dayOf(ms, policy.timeZone))],
    [policy.keepMonthly, (ms) => dayOf(ms, policy.timeZone).slice(0, 7)],
  ];
  for (const [count, key] of periods) {
    const groups = new Map<string, SnapshotLike>();
    for (const s of present) {
      if (s.kind === "safety") continue;
      const k = key(s.createdAt);
      const had = groups.get(k);
      if (!had || later(s, had) > 0) groups.set(k, s);
    }
    [...groups.values()].sort((a, b) => later(b, a)).slice(0, count).forEach((s) => keep.add(s.file));
  }
  if (policy.keepWithinMs > 0) {
    const start = now - policy.keepWithinMs;
    for (const s of present) if (s.createdAt >= start) keep.add(s.file);
    const anchor = [...snapshots].sort((a, b) => laterSeq(b, a)).find((s) => s.createdAt <= start);
    if (anchor) keep.add(anchor.file);
  }
  const safety = maxOf(present.filter((s) => s.kind === "safety"), later);
  if (safety) keep.add(safety.file);
  return keep;
}
