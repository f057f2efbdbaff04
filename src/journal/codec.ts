/**
 * Bytes of the journal: frames and segment headers (FORMAT.md). Every encode
 * and decode of journal bytes goes through here so the msgpack options cannot
 * drift apart between writer and reader.
 */
import { crc32 } from "node:zlib";
import { NEGATIVE_ZERO, NegativeZero, packr } from "./msgpack";
import type { ColumnValue, Frame, Row, RowChange, SegmentHeader } from "./types";

export const MAGIC = Buffer.from("STKJRNL1", "latin1");
export const FORMAT_VERSION = 1;
/** magic (8) + u32 header length + u32 crc32 of the header payload */
export const SEGMENT_PREFIX_BYTES = 16;
/** u32 payload length + u32 crc32 of the payload */
export const FRAME_HEADER_BYTES = 8;
/** A frame length field is a u32. */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;


export function crc(data: Buffer): number {
  return crc32(data) >>> 0;
}

/** One frame on disk: `u32 LE length | u32 LE crc32 | msgpack payload`. */
export function encodeFrame(frame: Frame): Buffer {
  return withLengthAndCrc(FRAME_HEADER_BYTES, packr.pack(prepareFrame(frame)), "frame " + frame.seq);
}

/** Segment prefix and header: `STKJRNL1 | u32 LE length | u32 LE crc32 | msgpack header`. */
export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const out = withLengthAndCrc(SEGMENT_PREFIX_BYTES, packr.pack(header), "segment header");
  MAGIC.copy(out, 0);
  return out;
}

function withLengthAndCrc(at: number, payload: Buffer, what: string): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`${what} is ${payload.length} bytes; the format allows 4 GiB`);
  const out = Buffer.allocUnsafe(at + payload.length);
  out.writeUInt32LE(payload.length, at - 8);
  out.writeUInt32LE(crc(payload), at - 4);
  payload.copy(out, at);
  return out;
}

/** Throws a plain Error saying why; the caller adds file, offset and seq. */
export function decodeFramePayload(payload: Buffer): Frame {
  const value: unknown = packr.unpack(payload);
  if (!isRecord(value)) throw new Error("payload is not a frame (not a map)");
  const { seq, at, changes } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) throw new Error("frame has no valid seq");
  if (typeof at !== "number" || !Number.isFinite(at)) throw new Error(`frame ${seq} has no valid commit time`);
  if (!Array.isArray(changes)) throw new Error(`frame ${seq} has no change list`);
  for (const c of changes) {
    if (!isChange(c)) throw new Error(`frame ${seq} holds a malformed row change`);
  }
  return { seq, at, changes };
}

/** The 16-byte prefix of a segment: null when the magic is wrong. */
export function decodeSegmentPrefix(prefix: Buffer): { length: number; crc: number } | null {
  if (prefix.length < SEGMENT_PREFIX_BYTES || !prefix.subarray(0, 8).equals(MAGIC)) return null;
  return { length: prefix.readUInt32LE(8), crc: prefix.readUInt32LE(12) };
}

export function decodeSegmentHeader(payload: Buffer): SegmentHeader {
  const value: unknown = packr.unpack(payload);
  if (!isRecord(value)) throw new Error("segment header is not a map");
  if (value.version !== FORMAT_VERSION) throw new Error(`segment format version ${String(value.version)} is not supported (this program reads version ${FORMAT_VERSION})`);
  const { firstSeq, createdAt, schema, fingerprint } = value;
  if (typeof firstSeq !== "number" || !Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new Error("segment header has no valid firstSeq");
  if (typeof createdAt !== "number" || typeof fingerprint !== "string") throw new Error("segment header is incomplete");
  if (!isRecord(schema) || !Array.isArray(schema.tables)) throw new Error("segment header has no schema");
  return value as unknown as SegmentHeader;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function isChange(c: unknown): c is RowChange {
  return (
    isRecord(c) &&
    typeof c.table === "string" &&
    (c.op === "insert" || c.op === "update" || c.op === "delete") &&
    isRecord(c.key) &&
    (c.before === null || isRecord(c.before)) &&
    (c.after === null || isRecord(c.after))
  );
}

/**
 * Swap -0 for its marker (copying only rows that hold one) and refuse a
 * `__proto__` column, which msgpackr renames on decode: losing it silently
 * would break I3.
 */
function prepareFrame(frame: Frame): Frame {
  let changes: RowChange[] | null = null;
  frame.changes.forEach((c, i) => {
    const key = prepareRow(c.key, frame.seq);
    const before = c.before && prepareRow(c.before, frame.seq);
    const after = c.after && prepareRow(c.after, frame.seq);
    if (key !== c.key || before !== c.before || after !== c.after) {
      changes ??= [...frame.changes];
      changes[i] = { ...c, key, before, after };
    }
  });
  return changes ? { ...frame, changes } : frame;
}

function prepareRow(row: Row, seq: number): Row {
  if (Object.prototype.hasOwnProperty.call(row, "__proto__")) throw new RangeError(`frame ${seq}: a column named __proto__ cannot be journaled`);
  let copy: Record<string, ColumnValue | NegativeZero> | null = null;
  for (const k in row) {
    if (Object.is(row[k], -0)) {
      copy ??= { ...row };
      copy[k] = NEGATIVE_ZERO;
    }
  }
  return (copy as Row | null) ?? row;
}
