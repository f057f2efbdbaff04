/**
 * What the journal can replay, asked before a restore changes anything:
 * where it ends, which seq an instant falls on, and whether it holds every
 * frame of a range. Only the segments a question concerns are read, so a
 * damaged or missing segment elsewhere in the journal does not block a
 * restore that does not need it.
 */
import { BackupError } from "../errors";
import { readFrames } from "../journal/reader";
import { journalDir, listSegments, SegmentScanner, type SegmentRef } from "../journal/segment";

export interface JournalEnd {
  firstSeq: number;
  lastSeq: number;
  /** Commit time of lastSeq. */
  lastAt: number;
}

/** First and last seq of the journal and the last commit time; null when it holds no frame. Reads the newest segments only. */
export function journalEnd(store: string): JournalEnd | null {
  const segments = listSegments(journalDir(store));
  for (let i = segments.length - 1; i >= 0; i--) {
    const scanner = SegmentScanner.open(segments[i], i === segments.length - 1);
    if (!scanner) continue;
    try {
      let last = -1;
      for (let p = scanner.nextPayload(); p; p = scanner.nextPayload()) last = p.offset;
      if (last < 0) continue;
      return { firstSeq: segments[0].firstSeq, lastSeq: scanner.lastGoodSeq, lastAt: scanner.frameAt(last).at };
    } finally {
      scanner.close();
    }
  }
  return null;
}

/**
 * Checks that the journal holds every frame of (afterSeq, toSeq]: the
 * segments are contiguous there and their checksums hold. The frames are
 * not decoded (the replay does that).
 */
export function checkCoverage(store: string, afterSeq: number, toSeq: number): void {
  if (toSeq <= afterSeq) return;
  const segments = listSegments(journalDir(store));
  const need = `the restore needs seqs ${afterSeq + 1}..${toSeq}`;
  if (segments.length === 0 || segments[0].firstSeq > afterSeq + 1) {
    throw new BackupError("JOURNAL_GAP",
      segments.length === 0 ? `the journal in ${store} is empty; ${need}` : `the journal in ${store} starts at seq ${segments[0].firstSeq}; ${need}`,
      "restore to the snapshot's own state, or from a snapshot the journal continues (list shows the restorable span)");
  }
  let index = 0;
  while (index + 1 < segments.length && segments[index + 1].firstSeq <= afterSeq + 1) index++;
  let previous: { ref: SegmentRef; lastSeq: number } | null = null;
  for (; index < segments.length && segments[index].firstSeq <= toSeq; index++) {
    const ref = segments[index];
    if (previous && ref.firstSeq !== previous.lastSeq + 1) {
      throw new BackupError("JOURNAL_GAP",
        `the journal in ${store} is missing seqs ${previous.lastSeq + 1}..${ref.firstSeq - 1} (between ${previous.ref.file} and ${ref.file}); ${need}`,
        `a segment file was lost: restore it from a copy, or restore to seq ${previous.lastSeq} or earlier`);
    }
    const scanner = SegmentScanner.open(ref, index === segments.length - 1);
    if (!scanner) break;
    try {
      while (scanner.nextPayload());
      previous = { ref, lastSeq: scanner.lastGoodSeq };
    } finally {
      scanner.close();
    }
  }
  const reached = previous?.lastSeq ?? afterSeq;
  if (reached < toSeq) {
    throw new BackupError("OUT_OF_RANGE", `the journal in ${store} ends at seq ${reached}; ${need}`,
      "restore to a seq or time the journal holds (list shows the restorable span)");
  }
}

/**
 * The last seq committed at or before `time`, looking at frames from
 * `fromSeq` on; null when the frame at fromSeq already committed after it.
 * Time cuts the sequence (readFrames), so a clock that stepped back cannot
 * make the answer skip a transaction.
 */
export function seqAtTime(store: string, time: number, fromSeq: number): { seq: number; at: number } | null {
  const segments = listSegments(journalDir(store));
  if (segments.length === 0) return null;
  let last: { seq: number; at: number } | null = null;
  for (const frame of readFrames(store, { fromSeq: Math.max(fromSeq, segments[0].firstSeq), toTime: time })) last = { seq: frame.seq, at: frame.at };
  return last;
}
