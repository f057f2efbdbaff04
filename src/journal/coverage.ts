/**
 * What the journal can replay, asked before a restore changes anything:
 * where it ends, which seq an instant falls on, and whether it holds every
 * frame of a range. Only the segments a question concerns are read, and
 * only the frames' heads (seq, part, time), so a damaged or missing segment
 * elsewhere in the journal does not block a restore that does not need it.
 */
import { BackupError } from "../errors";
import { journalDir, listSegments, SegmentScanner, scanSegment, type SegmentRef } from "./segment";

export interface JournalEnd {
  firstSeq: number;
  lastSeq: number;
  /** Commit time of lastSeq. */
  lastAt: number;
  /** Set when the journal goes on past lastSeq but cannot be read there (damage in or after the segment that holds lastSeq). */
  damage: string | null;
  /** The segment that holds lastSeq as this read found it, so checkCoverage need not read it again. */
  scanned: ScannedSegment;
}

/** What a read of a whole segment found: where its whole transactions end, and a suspect tail. */
interface ScannedSegment {
  file: string;
  lastCompleteSeq: number;
  suspect: string | null;
}

function scannedOf(scanner: SegmentScanner): ScannedSegment {
  const suspect = scanner.tail?.kind === "suspect" ? `${scanner.tail.reason} at byte ${scanner.tail.offset} of ${scanner.file}` : null;
  return { file: scanner.file, lastCompleteSeq: scanner.lastCompleteSeq, suspect };
}

/** First and last seq of the journal and the last commit time; null when it holds no frame. Reads the newest segments only. */
export function journalEnd(store: string): JournalEnd | null {
  const segments = listSegments(journalDir(store));
  let damage: string | null = null;
  for (let i = segments.length - 1; i >= 0; i--) {
    let scanned: SegmentScanner | null;
    try {
      scanned = scanSegment(segments[i], i === segments.length - 1);
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      damage ??= e.message;
      continue;
    }
    if (scanned?.tail?.kind === "suspect") damage ??= `journal segment ${scanned.file} ends in a suspect tail at byte ${scanned.tail.offset}: ${scanned.tail.reason}`;
    if (!scanned?.lastComplete) continue;
    return { firstSeq: segments[0].firstSeq, lastSeq: scanned.lastComplete.seq, lastAt: scanned.lastComplete.at, damage, scanned: scannedOf(scanned) };
  }
  return null;
}

/**
 * Checks that the journal holds every transaction of (afterSeq, toSeq]: the
 * segments are contiguous there, their checksums hold and seqs follow each
 * other. The changes are not decoded (the replay does that).
 */
export function checkCoverage(store: string, afterSeq: number, toSeq: number, end?: JournalEnd | null): void {
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
  let suspect: string | null = null;
  for (; index < segments.length && segments[index].firstSeq <= toSeq; index++) {
    const ref = segments[index];
    if (previous && ref.firstSeq !== previous.lastSeq + 1) {
      throw new BackupError("JOURNAL_GAP",
        `the journal in ${store} is missing seqs ${previous.lastSeq + 1}..${ref.firstSeq - 1} (between ${previous.ref.file} and ${ref.file}); ${need}`,
        `a segment file was lost: restore it from a copy, or restore to seq ${previous.lastSeq} or earlier`);
    }
    const known = end?.scanned.file === ref.file ? end.scanned : null;
    const scanner = known ? null : scanSegment(ref, index === segments.length - 1);
    const scanned = known ?? (scanner ? scannedOf(scanner) : null);
    if (!scanned) break;
    if (scanned.suspect) suspect = scanned.suspect;
    previous = { ref, lastSeq: scanned.lastCompleteSeq };
  }
  const reached = previous?.lastSeq ?? afterSeq;
  if (reached < toSeq) {
    if (suspect) {
      throw new BackupError("JOURNAL_CORRUPT", `the journal in ${store} ends at seq ${reached} in damage (${suspect}); ${need}`,
        `restore to seq ${reached} or earlier, or start the app: it cuts the tail if the database still holds those transactions`);
    }
    throw new BackupError("OUT_OF_RANGE", `the journal in ${store} ends at seq ${reached}; ${need}`,
      "restore to a seq or time the journal holds (list shows the restorable span)");
  }
}

/**
 * The last seq committed at or before `time`, looking at transactions from
 * `fromSeq` on; null when the one at fromSeq already committed after it.
 * Time cuts the sequence, so a clock that stepped back cannot make the
 * answer skip a transaction. Reads frame heads only.
 */
export function seqAtTime(store: string, time: number, fromSeq: number): { seq: number; at: number } | null {
  const segments = listSegments(journalDir(store));
  if (segments.length === 0) return null;
  const from = Math.max(fromSeq, segments[0].firstSeq);
  let index = 0;
  while (index + 1 < segments.length && segments[index + 1].firstSeq <= from) index++;
  let last: { seq: number; at: number } | null = null;
  for (; index < segments.length; index++) {
    const newest = index === segments.length - 1;
    const whole = newest ? scanSegment(segments[index], true) : null;
    const scanner = SegmentScanner.open(segments[index], newest);
    if (!scanner) break;
    try {
      for (let h = scanner.nextHead(); h; h = scanner.nextHead()) {
        if (whole && h.offset >= whole.completeEnd) return last;
        if (h.seq < from || h.more) continue;
        if (h.at > time) return last;
        last = { seq: h.seq, at: h.at };
      }
    } finally {
      scanner.close();
    }
  }
  return last;
}
