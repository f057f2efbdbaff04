/** The journal: append-only, checksummed msgpack segments (FORMAT.md). */
export type { Op, RowChange, Frame, SegmentHeader } from "./types";
export type { ColumnValue, Row, ColumnSchema, TableSchema, DatabaseSchema } from "../db/types";
export { schemaFingerprint } from "./fingerprint";
export { encodeFrame, decodeFrame, decodeFrameHead } from "./codec";
export { JournalWriter, type JournalWriterOptions } from "./writer";
export type { RecoveryNote } from "./recovery";
export { readFrames, journalRange, segmentHeaders, headerForSeq } from "./reader";
export type { ReadOptions, JournalRange, SegmentInfo, SegmentHeaderInfo } from "./reader";
export { journalDir, segmentFileName } from "./segment";
