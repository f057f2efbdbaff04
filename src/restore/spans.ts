/**
 * The spans of time a restore can reach exactly: from a snapshot the journal
 * continues to the end of that stretch of the journal. `list` shows them;
 * the plan refuses what lies outside them.
 */
import type { JournalRange } from "../journal/reader";
import type { ManifestEntry } from "../snapshot";

/** The instants a restore can reach exactly: from a snapshot the journal continues, to the journal's last commit. */
export interface RestorableSpan { from: number; fromSeq: number; to: number; toSeq: number }

/**
 * Each run of the journal (a stretch without a hole or damage) continues
 * the snapshots whose seq falls in it or right before it: the oldest such
 * snapshot opens a span, which ends where the run ends. Without one, only
 * the snapshots' own states can be restored, which is no span. Oldest first.
 */
export function restorableSpans(snapshots: readonly ManifestEntry[], journal: JournalRange | null): RestorableSpan[] {
  if (journal === null || snapshots.length === 0) return [];
  const bySeq = [...snapshots].sort((a, b) => a.seq - b.seq);
  const journalDb = journal.segments.find((s) => s.databaseId !== null)?.databaseId ?? null;
  const spans: RestorableSpan[] = [];
  for (const run of journal.runs) {
    const base = bySeq.find((s) => s.seq >= run.firstSeq - 1 && s.seq <= run.lastSeq && (journalDb === null || s.databaseId === journalDb));
    if (base) spans.push({ from: base.createdAt, fromSeq: base.seq, to: run.lastAt, toSeq: run.lastSeq });
  }
  // A snapshot past the journal's end (its frames not shipped yet) is a state of its own, not a span:
  // the instants between are not in the journal.
  return spans;
}
