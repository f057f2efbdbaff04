/**
 * Reading a journal: frames in sequence order, its range, its segment
 * headers. Readers never change a file and take no lock, so they may run
 * beside the writer: a torn tail of the newest segment (possibly a frame
 * being written right now) is simply where the journal ends for them.
 */
import * as fs from "node:fs";
import { BackupError } from "../errors";
import { decodeFramePayload } from "./codec";
import { type SegmentRef, SegmentScanner, corrupt, journalDir, listSegments } from "./segment";
import type { Frame, SegmentHeader } from "./types";

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
 * plus one frame, I6). Time bounds cut the sequence rather than filter it, so
 * the result is always a gapless run of seqs: a restore to T must not skip a
 * transaction because the clock stepped back. A sync generator, so both
 * `for...of` and `for await...of` work.
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
    const scanner = SegmentScanner.open(segments[i], i === segments.length - 1);
    if (!scanner) return; // the newest segment, caught while being created
    try {
      for (let next = scanner.nextFrame(); next; next = scanner.nextFrame()) {
        const f = next.frame;
        if ((toSeq !== undefined && f.seq > toSeq) || (toTime !== undefined && f.at > toTime)) return;
        if (!started && ((fromSeq !== undefined && f.seq < fromSeq) || (fromTime !== undefined && f.at < fromTime))) continue;
        started = true;
        yield f;
      }
    } finally {
      scanner.close();
    }
    previous = scanner;
  }
}

export interface SegmentInfo {
  file: string;
  firstSeq: number;
  /** firstSeq - 1 when the segment holds no frames. */
  lastSeq: number;
  firstAt: number | null;
  lastAt: number | null;
  frames: number;
  bytes: number;
  createdAt: number;
  fingerprint: string;
}

export interface JournalRange {
  firstSeq: number;
  lastSeq: number;
  firstAt: number;
  lastAt: number;
  segments: SegmentInfo[];
}

/**
 * What the journal covers; null when it holds no frame. Reads every segment
 * through, checking checksums, frame counts and continuity between segments,
 * but decodes only each segment's first and last frame.
 */
export function journalRange(storeDir: string): JournalRange | null {
  const segments = segmentsOf(storeDir);
  const infos: SegmentInfo[] = [];
  let previous: SegmentScanner | null = null;
  for (let i = 0; i < segments.length; i++) {
    if (previous) checkContinuity(storeDir, previous, segments[i]);
    const scanner = SegmentScanner.open(segments[i], i === segments.length - 1);
    if (!scanner) break;
    try {
      let first: Frame | null = null;
      let lastOffset = -1;
      for (let p = scanner.nextPayload(); p; p = scanner.nextPayload()) {
        if (!first) first = decodeAt(scanner, p.offset, scanner.header.firstSeq - 1, () => decodeFramePayload(p.payload));
        lastOffset = p.offset;
      }
      const last = first && scanner.frames > 1 ? decodeAt(scanner, lastOffset, scanner.lastGoodSeq - 1, () => scanner.frameAt(lastOffset)) : first;
      const { firstSeq, createdAt, fingerprint } = scanner.header;
      if (first && first.seq !== firstSeq) throw corrupt(scanner.file, scanner.dataStart, firstSeq - 1, `first frame holds seq ${first.seq}`);
      if (last && last.seq !== scanner.lastGoodSeq) {
        throw corrupt(scanner.file, lastOffset, scanner.lastGoodSeq - 1, `last of ${scanner.frames} frames holds seq ${last.seq}, so seqs are not contiguous inside the segment`);
      }
      infos.push({
        file: scanner.file,
        firstSeq,
        lastSeq: scanner.lastGoodSeq,
        firstAt: first?.at ?? null,
        lastAt: last?.at ?? null,
        frames: scanner.frames,
        bytes: scanner.size,
        createdAt,
        fingerprint,
      });
    } finally {
      scanner.close();
    }
    previous = scanner;
  }
  const withFrames = infos.filter((s) => s.frames > 0);
  if (withFrames.length === 0) return null;
  const a = withFrames[0];
  const z = withFrames[withFrames.length - 1];
  return { firstSeq: a.firstSeq, lastSeq: z.lastSeq, firstAt: a.firstAt!, lastAt: z.lastAt!, segments: infos };
}

export interface SegmentHeaderInfo {
  file: string;
  header: SegmentHeader;
}

/** The header (schema included) of every segment, oldest first; cheap, frames are not read. */
export function segmentHeaders(storeDir: string): SegmentHeaderInfo[] {
  const segments = segmentsOf(storeDir);
  const out: SegmentHeaderInfo[] = [];
  segments.forEach((ref, i) => {
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
  if (!fs.existsSync(storeDir)) throw new BackupError("NOT_FOUND", `backup store ${storeDir} does not exist`, "check the store path");
  return listSegments(journalDir(storeDir));
}

/** A segment must start right after the previous one ends; a missing segment is a gap. */
function checkContinuity(storeDir: string, previous: SegmentScanner, next: SegmentRef): void {
  const expected = previous.lastGoodSeq + 1;
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

function decodeAt(scanner: SegmentScanner, offset: number, lastGoodSeq: number, decode: () => Frame): Frame {
  try {
    return decode();
  } catch (e) {
    throw corrupt(scanner.file, offset, lastGoodSeq, `undecodable frame: ${(e as Error).message}`);
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
      return scanner.nextFrame()?.frame.at ?? Infinity;
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
