/**
 * Bytes of the journal: frames and segment headers (FORMAT.md). Every encode
 * and decode of journal bytes goes through here so the msgpack options cannot
 * drift apart between writer and reader.
 */
import { crc32 } from "node:zlib";
import { NEGATIVE_ZERO, NegativeZero, packr } from "./msgpack";
import type { Frame, RowChange, SegmentHeader } from "./types";
import type { ColumnValue, Row } from "../db/types";

export const MAGIC = Buffer.from("STKJRNL1", "latin1");
/** The version this program writes; it reads 1 and 2. */
export const FORMAT_VERSION = 2;
/** magic (8) + u32 header length + u32 crc32 of the header payload */
export const SEGMENT_PREFIX_BYTES = 16;
/** u32 body length + u32 crc32 of the body */
export const FRAME_HEADER_BYTES = 8;
/** Version 2 body prefix: u64 seq, u32 part, f64 commit time, u8 flags. */
export const FRAME_HEAD_BYTES = 21;
/** A frame length field is a u32. */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;
const FLAG_MORE = 0x01;

export function crc(data: Buffer): number {
  return crc32(data) >>> 0;
}

/** What a scan needs of a frame, read without decoding its changes. */
export interface FrameHead {
  seq: number;
  part: number;
  at: number;
  more: boolean;
}

/** One frame on disk: `u32 LE length | u32 LE crc32 | u64 seq | u32 part | f64 at | u8 flags | msgpack { changes }`. */
export function encodeFrame(frame: Frame): Buffer {
  const payload = packr.pack({ changes: prepareChanges(frame) });
  const body = Buffer.allocUnsafe(FRAME_HEAD_BYTES + payload.length);
  body.writeBigUInt64LE(BigInt(frame.seq), 0);
  body.writeUInt32LE(frame.part ?? 0, 8);
  body.writeDoubleLE(frame.at, 12);
  body.writeUInt8(frame.more ? FLAG_MORE : 0, 20);
  payload.copy(body, FRAME_HEAD_BYTES);
  return withLengthAndCrc(FRAME_HEADER_BYTES, body, "frame " + frame.seq);
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

/** Seq, part, time and flags of a frame body; throws a plain Error saying why (the caller adds file, offset and seq). */
export function decodeFrameHead(body: Buffer, version: SegmentHeader["version"]): FrameHead {
  if (version === 1) {
    const { seq, at } = decodeFrameV1(body);
    return { seq, part: 0, at, more: false };
  }
  if (body.length < FRAME_HEAD_BYTES) throw new Error(`frame of ${body.length} bytes is shorter than its ${FRAME_HEAD_BYTES}-byte head`);
  // The u64 as two u32 halves: a BigInt per frame is a measurable part of a replay of small transactions.
  const low = body.readUInt32LE(0);
  const high = body.readUInt32LE(4);
  if (high > 0x1f_ffff || (high === 0 && low === 0)) throw new Error(`frame holds no valid seq (${body.readBigUInt64LE(0)})`);
  const seq = high * 0x1_0000_0000 + low; // at most 2^53 - 1: exact
  const at = body.readDoubleLE(12);
  if (!Number.isFinite(at)) throw new Error(`frame ${seq} has no valid commit time`);
  const flags = body.readUInt8(20);
  if ((flags & ~FLAG_MORE) !== 0) throw new Error(`frame ${seq} has unknown flags 0x${flags.toString(16)}`);
  return { seq, part: body.readUInt32LE(8), at, more: (flags & FLAG_MORE) !== 0 };
}

/** The whole frame; throws a plain Error saying why. `head`: the body's head when the caller decoded it already (a scan does). */
export function decodeFrame(body: Buffer, version: SegmentHeader["version"], head?: FrameHead): Frame {
  if (version === 1) return decodeFrameV1(body);
  head ??= decodeFrameHead(body, version);
  const value: unknown = packr.unpack(body.subarray(FRAME_HEAD_BYTES));
  if (!isRecord(value) || !Array.isArray(value.changes)) throw new Error(`frame ${head.seq} has no change list`);
  const changes = checkChanges(value.changes, head.seq);
  const frame: Frame = { seq: head.seq, at: head.at, changes };
  // Only parts of a split transaction carry the fields: a whole one reads back as it was written.
  if (head.part !== 0) frame.part = head.part;
  if (head.more) frame.more = true;
  return frame;
}

/** Version 1: the payload is msgpack { seq, at, changes }. */
function decodeFrameV1(payload: Buffer): Frame {
  const value: unknown = packr.unpack(payload);
  if (!isRecord(value)) throw new Error("payload is not a frame (not a map)");
  const { seq, at, changes } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) throw new Error("frame has no valid seq");
  if (typeof at !== "number" || !Number.isFinite(at)) throw new Error(`frame ${seq} has no valid commit time`);
  if (!Array.isArray(changes)) throw new Error(`frame ${seq} has no change list`);
  return { seq, at, changes: checkChanges(changes, seq) };
}

function checkChanges(changes: unknown[], seq: number): RowChange[] {
  for (const c of changes) {
    if (!isChange(c)) throw new Error(`frame ${seq} holds a malformed row change`);
  }
  return changes as RowChange[];
}

/** The 16-byte prefix of a segment: null when the magic is wrong. */
export function decodeSegmentPrefix(prefix: Buffer): { length: number; crc: number } | null {
  if (prefix.length < SEGMENT_PREFIX_BYTES || !prefix.subarray(0, 8).equals(MAGIC)) return null;
  return { length: prefix.readUInt32LE(8), crc: prefix.readUInt32LE(12) };
}

export function decodeSegmentHeader(payload: Buffer): SegmentHeader {
  const value: unknown = packr.unpack(payload);
  if (!isRecord(value)) throw new Error("segment header is not a map");
  if (value.version !== 1 && value.version !== 2) {
    throw new Error(`segment format version ${String(value.version)} is not supported (this program reads versions 1 and 2)`);
  }
  const { firstSeq, createdAt, schema, fingerprint, databaseId, storeId } = value;
  if (typeof firstSeq !== "number" || !Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new Error("segment header has no valid firstSeq");
  if (typeof createdAt !== "number" || typeof fingerprint !== "string") throw new Error("segment header is incomplete");
  if (!isRecord(schema) || !Array.isArray(schema.tables)) throw new Error("segment header has no schema");
  for (const id of [databaseId, storeId]) {
    if (id !== undefined && id !== null && typeof id !== "string") throw new Error("segment header has a malformed identity");
  }
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
function prepareChanges(frame: Frame): RowChange[] {
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
  return changes ?? frame.changes;
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
