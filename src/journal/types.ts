/**
 * What the journal stores: per committed transaction, the rows it changed
 * (src/db/types.ts has the value and schema types they are made of).
 */
import type { DatabaseSchema, Row } from "../db/types";

export type Op = "insert" | "update" | "delete";

export interface RowChange {
  table: string;
  op: Op;
  /** Primary-key columns of the row (of the before-image for updates). */
  key: Row;
  /** Full row before the change: update and delete; null for insert. */
  before: Row | null;
  /** Full row after the change: insert and update; null for delete. */
  after: Row | null;
}

/**
 * One committed transaction, or one part of it. A transaction too large for
 * one frame (a bulk statement of millions of rows) is written as several
 * frames of the same seq, parts 0, 1, 2, …, every one but the last marked
 * `more`; memory then stays bounded by a part, whatever one transaction does.
 * A transaction counts as in the journal only once its last part is.
 */
export interface Frame {
  seq: number;
  /** Commit time, milliseconds since the Unix epoch. */
  at: number;
  changes: RowChange[];
  /** Index of this part within the transaction; absent means 0. */
  part?: number;
  /** More parts of this transaction follow; absent means false (the last, or only, part). */
  more?: boolean;
}

/** The msgpack payload of a segment header (see FORMAT.md). */
export interface SegmentHeader {
  /** 1: frames are msgpack { seq, at, changes }; 2: frames carry seq, part, time and flags ahead of the msgpack. */
  version: 1 | 2;
  /** Sequence number of the first frame the segment holds (also its file name). */
  firstSeq: number;
  /** When the segment was created, milliseconds since the Unix epoch. */
  createdAt: number;
  /** Schema of the database when the segment's frames were captured. */
  schema: DatabaseSchema;
  /** schemaFingerprint(schema): segments rotate when it changes. */
  fingerprint: string;
  /** Version 2: the database the frames were captured from. */
  databaseId?: string | null;
  /** Version 2: the store the segment was written into. */
  storeId?: string | null;
}
