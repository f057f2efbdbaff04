/**
 * What the writer does on open before appending: make the newest segment end
 * on a whole frame again. Only a crash's torn tail is cut; anything else is a
 * loud error from the scanner (I5).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SegmentScanner, listSegments } from "./segment";
import type { SegmentHeader } from "./types";

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

export function recoverJournal(dir: string): RecoveryResult {
  let recovered: RecoveryNote | null = null;
  // Leftovers of a segment creation that crashed before its rename: they never held frames.
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (name.endsWith(".seg.tmp")) fs.rmSync(path.join(dir, name), { force: true });
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
      while (scanner.nextFrame());
      if (scanner.tail) {
        recovered = { file: newest.file, offset: scanner.tail.offset, bytesTrimmed: scanner.size - scanner.tail.offset };
        truncate(newest.file, scanner.tail.offset);
      }
      if (!scanner.lastFrame) {
        // A segment without frames carries nothing but a schema that may be
        // stale by the next append, which would need the same file name.
        recovered = removeSegment(dir, newest.file, scanner.size);
        continue;
      }
      return {
        lastSeq: scanner.lastFrame.seq,
        lastAt: scanner.lastFrame.at,
        active: { file: newest.file, header: scanner.header, size: scanner.goodEnd },
        recovered,
      };
    } finally {
      scanner.close();
    }
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
  fsyncDir(dir);
  return { file, offset: 0, bytesTrimmed: size };
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
