/**
 * Reading a journal: frames in sequence order, its range, its segment
 * headers. Readers never change a file and take no lock, so they may run
 * beside the writer: the end of the newest segment short of a whole frame or
 * transaction (possibly one being written right now) is simply where the
 * journal ends for them. A suspect tail (a last frame of full length whose
 * checksum fails, a zero-filled tail) is damage to a reader: only the writer,
 * with the database at hand, may decide it was a crash and cut it.
 */
import * as fs from "node:fs";
import { BackupError } from "../errors";
import { type SegmentRef, SegmentScanner, corrupt, journalDir, listSegments, scanSegment } from "./segment";
import type { Frame, SegmentHeader } from "./types";
import type { JournalRange, JournalRun, SegmentInfo } from "./rangeTypes";
import { existingStore } from "../store";

export interface ReadOptions {
  /** First seq wanted; an error if the journal starts after it (it cannot cover it). */
  fromSeq?: number;
  /** Last seq wanted. */
  toSeq?: number;
  /** Start at the first frame committed at or after this time (ms). */
  fromTime?: number;
  /** Stop before the first frame committed after this time (ms). */
  toTime?: number;
}

/**
 * Frames in seq order, streamed one at a time (peak memory is one read chunk
 * plus one frame, I6); a large transaction comes as its parts, in order.
 * Time bounds cut the sequence rather than filter it, so the result is
 * always a gapless run of seqs: a restore to T must not skip a transaction
 * because the clock stepped back. A sync generator, so both `for...of` and
 * `for await...of` work.
 */
export function* readFrames(storeDir: string, options: ReadOptions = {}): Generator<Frame, void, undefined> {
  const { fromSeq, toSeq, fromTime, toTime } = checkOptions(options);
  const segments = segmentsOf(storeDir);
  if (segments.length === 0) return;
  let start = 0;
  if (fromSeq !== undefined) {
    if (fromSeq < segments[0].firstSeq) {
      throw new BackupError(
        "JOURNAL_GAP",
        `journal in ${storeDir} starts at seq ${segments[0].firstSeq}; seqs ${fromSeq}..${segments[0].firstSeq - 1} are not in it`,
        "use a snapshot taken at or after seq " + (segments[0].firstSeq - 1),
      );
    }
    start = lastIndex(segments.length, (i) => segments[i].firstSeq <= fromSeq);
  }
  if (fromTime !== undefined) start = Math.max(start, segmentForTime(segments, fromTime, start));

  let started = false;
  let previous: SegmentScanner | null = null;
  for (let i = start; i < segments.length; i++) {
    if (previous) checkContinuity(storeDir, previous, segments[i]);
    const newest = i === segments.length - 1;
    const scanner = SegmentScanner.open(segments[i], newest);
    if (!scanner) return; // the newest segment, caught while being created
    // The newest segment may end inside a transaction being written. Where it
    // holds a split one, it is scanned through (once) to find where its whole
    // transactions end; a frame that is a whole transaction needs no scan.
    let whole: SegmentScanner | null | undefined;
    try {
      for (;;) {
        if (whole !== undefined && (whole === null || scanner.position >= whole.completeEnd)) {
          if (whole?.tail?.kind === "suspect") throw suspectTail(whole);
          return;
        }
        const next = scanner.nextFrame();
        if (!next) {
          if (newest && scanner.tail?.kind === "suspect") throw suspectTail(scanner);
          break;
        }
        if (newest && next.frame.more && whole === undefined) {
          whole = scanSegment(segments[i], true);
          if (whole === null || next.offset >= whole.completeEnd) continue; // the check at the top ends the read
        }
        const f = next.frame;
        if ((toSeq !== undefined && f.seq > toSeq) || (toTime !== undefined && f.at > toTime)) return;
        if (!started && ((fromSeq !== undefined && f.seq < fromSeq) || (fromTime !== undefined && f.at < fromTime))) continue;
        started = true;
        yield f;
        // Done: reading on would check what comes after, which a read up to here does not need.
        if (toSeq !== undefined && f.seq === toSeq && !f.more) return;
      }
    } finally {
      scanner.close();
    }
    previous = scanner;
  }
}

function suspectTail(scanned: SegmentScanner): BackupError {
  return corrupt(scanned.file, scanned.tail!.offset, scanned.lastCompleteSeq, `${scanned.tail!.reason} (damage, or a crash: only the database can tell)`,
    "start the app (attachChangelog): it cuts the tail if the database still holds those transactions and ships them again; " +
    `restores up to seq ${scanned.lastCompleteSeq} work meanwhile`);
}

export type { JournalRange, JournalRun, SegmentInfo } from "./rangeTypes";

/**
 * What the journal covers; null when it holds no frame and no problem. Reads
 * every segment through, checking checksums and the continuity of seqs and
 * of segments, without decoding changes. Damage does not stop it: a damaged
 * or missing segment ends a run, and the segments after it start the next.
 */
export function journalRange(storeDir: string): JournalRange | null {
  const segments = segmentsOf(storeDir);
  const infos: SegmentInfo[] = [];
  const runs: JournalRun[] = [];
  const problems: string[] = [];
  let run: JournalRun | null = null;
  /** Where the segment before ended, and whether it could be read to its end. */
  let previous: { lastSeq: number; damaged: boolean } | null = null;
  for (let i = 0; i < segments.length; i++) {
    const ref = segments[i];
    const newest = i === segments.length - 1;
    let scanner: SegmentScanner | null = null;
    let damage: string | null = null;
    let first: { seq: number; at: number } | null = null;
    try {
      scanner = SegmentScanner.open(ref, newest);
      if (!scanner) break;
      for (let h = scanner.nextHead(); h; h = scanner.nextHead()) if (!first) first = { seq: h.seq, at: h.at };
      if (scanner.tail?.kind === "suspect") damage = suspectTail(scanner).message;
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      damage = e.message;
    } finally {
      scanner?.close();
    }
    if (previous && ref.firstSeq !== previous.lastSeq + 1) {
      // After damage the rest of that segment is unreadable, which its damage line says already.
      if (!previous.damaged) {
        problems.push(ref.firstSeq > previous.lastSeq + 1
          ? `seqs ${previous.lastSeq + 1}..${ref.firstSeq - 1} are missing (before ${ref.file})`
          : `${ref.file} starts at seq ${ref.firstSeq}, overlapping the segment before it`);
      }
      if (run) runs.push(run);
      run = null;
    }
    const last = scanner?.lastComplete ?? null;
    if (first && last) {
      if (run) {
        run.lastSeq = last.seq;
        run.lastAt = last.at;
      } else run = { firstSeq: first.seq, firstAt: first.at, lastSeq: last.seq, lastAt: last.at };
    }
    if (damage !== null) {
      problems.push(damage);
      if (run) runs.push(run);
      run = null;
    }
    previous = { lastSeq: last?.seq ?? ref.firstSeq - 1, damaged: damage !== null };
    infos.push({
      file: ref.file,
      firstSeq: ref.firstSeq,
      lastSeq: last?.seq ?? ref.firstSeq - 1,
      firstAt: first?.at ?? null,
      lastAt: last?.at ?? null,
      frames: scanner?.frames ?? 0,
      bytes: scanner?.diskBytes ?? fs.statSync(ref.file).size,
      rawBytes: scanner?.size ?? fs.statSync(ref.file).size,
      compressed: scanner?.compressed ?? ref.compressed === true,
      createdAt: scanner?.header.createdAt ?? 0,
      fingerprint: scanner?.header.fingerprint ?? "",
      databaseId: scanner?.header.databaseId ?? null,
      storeId: scanner?.header.storeId ?? null,
      damage,
    });
  }
  if (run) runs.push(run);
  if (runs.length === 0 && problems.length === 0) return null;
  const a = runs[0];
  const z = runs[runs.length - 1];
  return {
    firstSeq: a?.firstSeq ?? 0, lastSeq: z?.lastSeq ?? 0, firstAt: a?.firstAt ?? 0, lastAt: z?.lastAt ?? 0,
    runs, segments: infos, problems,
  };
}

export interface SegmentHeaderInfo {
  file: string;
  header: SegmentHeader;
}

/**
 * The header (schema included) of every segment holding a seq of
 * [fromSeq, toSeq] (default: all), oldest first; cheap, frames are not
 * read. A damaged header outside the range does not matter here.
 */
export function segmentHeaders(storeDir: string, range: { fromSeq?: number; toSeq?: number } = {}): SegmentHeaderInfo[] {
  const segments = segmentsOf(storeDir);
  const out: SegmentHeaderInfo[] = [];
  segments.forEach((ref, i) => {
    const nextFirst = segments[i + 1]?.firstSeq ?? Infinity;
    if (range.fromSeq !== undefined && nextFirst <= range.fromSeq) return;
    if (range.toSeq !== undefined && ref.firstSeq > range.toSeq) return;
    const scanner = SegmentScanner.open(ref, i === segments.length - 1);
    if (!scanner) return;
    out.push({ file: scanner.file, header: scanner.header });
    scanner.close();
  });
  return out;
}

/** The header of the segment holding seq (for the column types of a frame); null before the journal starts. */
export function headerForSeq(headers: readonly SegmentHeaderInfo[], seq: number): SegmentHeaderInfo | null {
  const i = lastIndex(headers.length, (k) => headers[k].header.firstSeq <= seq);
  return headers[i] && headers[i].header.firstSeq <= seq ? headers[i] : null;
}

function segmentsOf(storeDir: string): SegmentRef[] {
  return listSegments(journalDir(existingStore(storeDir)));
}

/** A segment must start right after the previous one ends; a missing segment is a gap. */
function checkContinuity(storeDir: string, previous: SegmentScanner, next: SegmentRef): void {
  const expected = previous.lastCompleteSeq + 1;
  if (next.firstSeq > expected) {
    throw new BackupError(
      "JOURNAL_GAP",
      `journal in ${storeDir} is missing seqs ${expected}..${next.firstSeq - 1} (between ${previous.file} and ${next.file})`,
      "a segment file was lost; restore it from a copy, or restore only up to seq " + (expected - 1),
    );
  }
  if (next.firstSeq < expected) {
    throw corrupt(next.file, 0, expected - 1, `segment starts at seq ${next.firstSeq}, overlapping ${previous.file}`);
  }
}

/**
 * First segment worth reading for fromTime: the one before the first segment
 * whose first frame is at or after it. Assumes commit times rise with seq
 * (they are stamped in commit order); if the clock stepped back, reading
 * starts a segment later or earlier but the cut stays a gapless suffix.
 */
function segmentForTime(segments: SegmentRef[], fromTime: number, lo: number): number {
  const firstAt = (i: number): number => {
    const scanner = SegmentScanner.open(segments[i], i === segments.length - 1);
    if (!scanner) return Infinity;
    try {
      return scanner.nextHead()?.at ?? Infinity;
    } finally {
      scanner.close();
    }
  };
  let a = lo;
  let b = segments.length; // first index in [lo, n) whose first frame is at or after fromTime
  while (a < b) {
    const m = (a + b) >> 1;
    if (firstAt(m) >= fromTime) b = m;
    else a = m + 1;
  }
  return Math.max(lo, a - 1);
}

/** Largest i in [0, n) with pred(i), for a pred that is true then false; 0 when none. */
function lastIndex(n: number, pred: (i: number) => boolean): number {
  let a = 0;
  let b = n;
  while (a < b) {
    const m = (a + b) >> 1;
    if (pred(m)) a = m + 1;
    else b = m;
  }
  return Math.max(0, a - 1);
}

function checkOptions(o: ReadOptions): ReadOptions {
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) throw new BackupError("BAD_INPUT", `${k} must be a number, got ${String(v)}`);
  }
  return o;
}
