/** The journal: append-only, checksummed msgpack segments (FORMAT.md). */
export type { ColumnValue, Row, Op, RowChange, Frame, ColumnSchema, TableSchema, DatabaseSchema, SegmentHeader } from "./types";
export { schemaFingerprint } from "./fingerprint";
export { encodeFrame, decodeFramePayload } from "./codec";
export { JournalWriter, type JournalWriterOptions } from "./writer";
export type { RecoveryNote } from "./recovery";
export { readFrames, journalRange, segmentHeaders, headerForSeq } from "./reader";
export type { ReadOptions, JournalRange, SegmentInfo, SegmentHeaderInfo } from "./reader";
export { journalDir, segmentFileName } from "./segment";
