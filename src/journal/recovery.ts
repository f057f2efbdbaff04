/**
 * What the writer does on open before appending: make the newest segment end
 * on a whole transaction again. A tail is cut only when that loses nothing:
 * it is provably an unfinished append (the file ends inside a frame, or
 * inside a transaction's parts), and the database's outbox still holds every
 * transaction the cut removes. Anything else is a loud error (I5): a synced
 * frame that fails its checksum, or a tail whose transactions the database
 * already pruned, is damage, and cutting it would lose committed changes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { corrupt, listSegments, SegmentScanner } from "./segment";
import type { SegmentHeader } from "./types";
import { fsyncDirSync } from "../durable";

export interface RecoveryNote {
  file: string;
  /** Where the kept part of the file ends. */
  offset: number;
  bytesTrimmed: number;
}

export interface RecoveryResult {
  /** 0 when the journal holds no frame. */
  lastSeq: number;
  lastAt: number | null;
  /** The newest segment, to append to; null when there is none. */
  active: { file: string; header: SegmentHeader; size: number } | null;
  recovered: RecoveryNote | null;
}

export interface RecoveryOptions {
  /**
   * The first seq the database can ship again: its outbox holds every
   * committed transaction from this seq on. Unknown (no database at hand):
   * only an unfinished append is cut, never a suspect tail.
   */
  reshippableFrom?: number;
}

export function recoverJournal(dir: string, options: RecoveryOptions = {}): RecoveryResult {
  let recovered: RecoveryNote | null = null;
  // Leftovers of a segment creation that crashed before its rename: they never held frames.
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (/\.seg\.tmp(-\d+-[0-9a-f]+)?$/.test(name)) fs.rmSync(path.join(dir, name), { force: true });
  }
  for (;;) {
    const segments = listSegments(dir);
    const newest = segments[segments.length - 1];
    if (!newest) return { lastSeq: 0, lastAt: null, active: null, recovered };
    const scanner = SegmentScanner.open(newest, true);
    if (!scanner) {
      recovered = removeSegment(dir, newest.file, fs.statSync(newest.file).size); // torn header: holds no frames
      continue;
    }
    try {
      while (scanner.nextHead());
      if (scanner.compressed) {
        // Compaction compresses only sealed segments with a whole transaction after them, so this
        // takes a lost newest segment; a compressed file is never appended to: a new one starts.
        if (!scanner.lastComplete || scanner.completeEnd < scanner.size) throw corrupt(scanner.file, scanner.completeEnd, scanner.lastCompleteSeq, "a compressed segment that does not end on a whole transaction");
        return { lastSeq: scanner.lastComplete.seq, lastAt: scanner.lastComplete.at, active: null, recovered };
      }
      const end = scanner.completeEnd;
      if (end < scanner.size) {
        checkCutLosesNothing(scanner, options);
        recovered = { file: newest.file, offset: end, bytesTrimmed: scanner.size - end };
        truncate(newest.file, end);
      }
      if (!scanner.lastComplete) {
        // A segment without frames carries nothing but a schema that may be
        // stale by the next append, which would need the same file name.
        recovered = removeSegment(dir, newest.file, scanner.size);
        continue;
      }
      return {
        lastSeq: scanner.lastComplete.seq,
        lastAt: scanner.lastComplete.at,
        active: { file: newest.file, header: scanner.header, size: end },
        recovered,
      };
    } finally {
      scanner.close();
    }
  }
}

/** Throws JOURNAL_CORRUPT unless cutting the newest segment back to its last whole transaction loses nothing. */
function checkCutLosesNothing(scanner: SegmentScanner, options: RecoveryOptions): void {
  const firstCut = scanner.lastCompleteSeq + 1;
  const kind = scanner.tail?.kind ?? "short"; // a transaction without its last part is an unfinished append
  const reason = scanner.tail?.reason ?? `transaction ${firstCut} has no last part`;
  const from = options.reshippableFrom;
  if (from !== undefined && from > firstCut) {
    throw corrupt(scanner.file, scanner.completeEnd, firstCut - 1,
      `${reason}, and the database no longer holds seqs ${firstCut}..${from - 1} (they were shipped, synced and pruned)`,
      "committed transactions would be lost by cutting the tail: restore the segment from a copy; the restores up to seq " +
      `${firstCut - 1} still work`);
  }
  if (kind === "suspect" && from === undefined) {
    throw corrupt(scanner.file, scanner.completeEnd, firstCut - 1, `${reason} (damage, or a crash: only the database can tell)`,
      "start the app (attachChangelog): it cuts the tail if the database still holds those transactions, and ships them again");
  }
}

function truncate(file: string, length: number): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.ftruncateSync(fd, length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function removeSegment(dir: string, file: string, size: number): RecoveryNote {
  fs.rmSync(file);
  fsyncDirSync(dir);
  return { file, offset: 0, bytesTrimmed: size };
}
