/**
 * Segment files: where they are, how they are named (raw `.seg`, or
 * `.seg.zst` once compaction compressed them), listing them, opening their
 * bytes, and the one form of a damage error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../errors";
import { type ByteSource, FileBytes } from "./byteSource";
import { ChunkDamage, COMPRESSED_EXT, CompressedBytes } from "./compressedSegment";

/** A raw segment, or one compressed by compaction (compressedSegment.ts). */
const SEGMENT_NAME = /^(\d{16})\.seg(\.zst)?$/;

export function journalDir(storeDir: string): string {
  return path.join(storeDir, "journal");
}

export function segmentFileName(firstSeq: number): string {
  return String(firstSeq).padStart(16, "0") + ".seg";
}

export interface SegmentRef {
  file: string;
  firstSeq: number;
  /** The file is `<name>.seg.zst`, a sealed segment compressed by compaction. */
  compressed?: boolean;
}

/** Segments of a journal directory, oldest first; none when it does not exist. */
export function listSegments(dir: string): SegmentRef[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const refs: SegmentRef[] = [];
  // Zero-padded, so name order is seq order, and `X.seg` sorts before `X.seg.zst`: when a crash
  // of compaction left both (the same bytes), the raw one is read and the compressed one skipped.
  for (const n of names.filter((x) => SEGMENT_NAME.test(x)).sort()) {
    const firstSeq = Number(n.slice(0, 16));
    if (refs.length > 0 && refs[refs.length - 1].firstSeq === firstSeq) continue;
    refs.push({ file: path.join(dir, n), firstSeq, compressed: n.endsWith(COMPRESSED_EXT) });
  }
  return refs;
}

/**
 * The bytes of a segment. A raw segment that compaction replaced between the
 * listing and this open is read from its compressed form, which holds the
 * same bytes: a reader running beside compaction does not fail.
 */
export function openBytes(ref: SegmentRef): ByteSource {
  try {
    return ref.compressed ? CompressedBytes.open(ref.file) : FileBytes.open(ref.file);
  } catch (e) {
    if (e instanceof ChunkDamage) throw corrupt(ref.file, e.offset, ref.firstSeq - 1, e.message);
    if (ref.compressed || (e as NodeJS.ErrnoException).code !== "ENOENT" || !fs.existsSync(ref.file + COMPRESSED_EXT)) throw e;
    return openBytes({ ...ref, file: ref.file + COMPRESSED_EXT, compressed: true });
  }
}

export function corrupt(file: string, offset: number, lastGoodSeq: number, reason: string, hint?: string): BackupError {
  return new BackupError(
    "JOURNAL_CORRUPT",
    `journal segment ${file} is damaged at byte ${offset}: ${reason} (last good seq ${lastGoodSeq}, expected seq ${lastGoodSeq + 1})`,
    hint ?? "frames from that point on cannot be read; restore the file from a copy, or restore to a point before that seq",
  );
}
