/** What journalRange (reader.ts) tells of a journal: its segments, its unbroken runs, its problems. */

export interface SegmentInfo {
  file: string;
  firstSeq: number;
  /** Last whole transaction; firstSeq - 1 when the segment holds none. */
  lastSeq: number;
  firstAt: number | null;
  lastAt: number | null;
  frames: number;
  /** On disk. */
  bytes: number;
  /** Uncompressed (equal to bytes for a raw segment). */
  rawBytes: number;
  /** Compressed by compaction (`.seg.zst`). */
  compressed: boolean;
  createdAt: number;
  fingerprint: string;
  databaseId: string | null;
  storeId: string | null;
  /** Why the segment could not be read through (from the damaged byte on, or at all); null when it reads whole. */
  damage: string | null;
}

/** A stretch of seqs the journal holds without a hole or damage. */
export interface JournalRun {
  firstSeq: number;
  lastSeq: number;
  firstAt: number;
  lastAt: number;
}

export interface JournalRange {
  /** The first and last seq of all runs (the last run's end is the journal's end). */
  firstSeq: number;
  lastSeq: number;
  firstAt: number;
  lastAt: number;
  /** Contiguous, readable stretches, oldest first: more than one when segments are missing or damaged. */
  runs: JournalRun[];
  segments: SegmentInfo[];
  /** One line per missing or damaged part of the journal, for the user. */
  problems: string[];
}
