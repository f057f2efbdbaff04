/**
 * One segment file: naming, listing, and a frame-by-frame scan that tells a
 * torn tail (what a crash leaves at the end of the newest segment) from damage
 * (anything else), which is a loud error naming file, byte offset and seq (I5).
 * Shared by the writer's recovery and the readers so both judge alike.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../errors";
import { BufferedReader, readFully } from "./bufferedReader";
import { FRAME_HEADER_BYTES, SEGMENT_PREFIX_BYTES, crc, decodeFramePayload, decodeSegmentHeader, decodeSegmentPrefix } from "./codec";
import type { Frame, SegmentHeader } from "./types";

const SEGMENT_NAME = /^(\d{16})\.seg$/;
/** A header bigger than this is a damaged length field, not a schema. */
const MAX_HEADER_BYTES = 16 << 20;

export function journalDir(storeDir: string): string {
  return path.join(storeDir, "journal");
}

export function segmentFileName(firstSeq: number): string {
  return String(firstSeq).padStart(16, "0") + ".seg";
}

export interface SegmentRef {
  file: string;
  firstSeq: number;
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
  return names
    .filter((n) => SEGMENT_NAME.test(n))
    .sort() // zero-padded, so name order is seq order
    .map((n) => ({ file: path.join(dir, n), firstSeq: Number(n.slice(0, 16)) }));
}

export function corrupt(file: string, offset: number, lastGoodSeq: number, reason: string): BackupError {
  return new BackupError(
    "JOURNAL_CORRUPT",
    `journal segment ${file} is damaged at byte ${offset}: ${reason} (last good seq ${lastGoodSeq}, expected seq ${lastGoodSeq + 1})`,
    "frames from that point on cannot be read; restore the file from a copy, or restore to a point before that seq",
  );
}

export interface ScannedPayload {
  offset: number;
  /** Valid until the next call on the scanner. */
  payload: Buffer;
}

export class SegmentScanner {
  /** Frames returned so far; the next one must be header.firstSeq + frames. */
  frames = 0;
  lastFrame: Frame | null = null;
  /** Set when the scan stopped at a torn tail (only ever in the newest segment). */
  tail: { offset: number; reason: string } | null = null;
  private readonly reader: BufferedReader;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    readonly size: number,
    readonly header: SegmentHeader,
    readonly dataStart: number,
    private readonly newest: boolean,
  ) {
    this.reader = new BufferedReader(fd, dataStart);
  }

  /**
   * Open and check the header. Null means the newest segment has a torn header
   * (a crash while it was being created), so it holds no frames.
   */
  static open(ref: SegmentRef, newest: boolean): SegmentScanner | null {
    const fd = fs.openSync(ref.file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const read = readHeader(ref, fd, size, newest);
      if (!read) {
        fs.closeSync(fd);
        return null;
      }
      return new SegmentScanner(ref.file, fd, size, read.header, read.dataStart, newest);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get lastGoodSeq(): number {
    return this.header.firstSeq + this.frames - 1;
  }

  /** Byte offset just past the last good frame. */
  get goodEnd(): number {
    return this.tail ? this.tail.offset : this.reader.pos;
  }

  /** Next frame with a valid checksum, not decoded (cheap scans). Null at the end. */
  nextPayload(): ScannedPayload | null {
    const next = this.readPayload();
    if (next) this.frames++;
    return next;
  }

  /** Next frame, decoded and checked to continue the sequence. Null at the end. */
  nextFrame(): { offset: number; frame: Frame } | null {
    const next = this.readPayload();
    if (!next) return null;
    let frame: Frame;
    try {
      frame = decodeFramePayload(next.payload);
    } catch (e) {
      throw corrupt(this.file, next.offset, this.lastGoodSeq, `undecodable frame: ${(e as Error).message}`);
    }
    if (frame.seq !== this.lastGoodSeq + 1) throw corrupt(this.file, next.offset, this.lastGoodSeq, `frame holds seq ${frame.seq}`);
    this.frames++;
    this.lastFrame = frame;
    return { offset: next.offset, frame };
  }

  private readPayload(): ScannedPayload | null {
    if (this.tail) return null;
    const offset = this.reader.pos;
    const left = this.size - offset;
    if (left === 0) return null;
    if (left < FRAME_HEADER_BYTES) return this.torn(offset, `only ${left} bytes of a frame header at the end`);
    const head = this.reader.read(FRAME_HEADER_BYTES);
    const length = head.readUInt32LE(0);
    const sum = head.readUInt32LE(4);
    if (length === 0) {
      // Never written (a msgpack frame is never empty): a crash can leave the
      // tail zero-filled when the size reached the disk but the data did not.
      if (this.zeroFrom(offset)) return this.torn(offset, "zero-filled tail");
      throw corrupt(this.file, offset, this.lastGoodSeq, "frame length 0");
    }
    if (length > left - FRAME_HEADER_BYTES) {
      return this.torn(offset, `bad length at end: frame of ${length} bytes runs past the end of the file`);
    }
    const payload = this.reader.read(length);
    if (crc(payload) !== sum) {
      // Only the very last frame can be half-written; one followed by more bytes was complete once.
      if (offset + FRAME_HEADER_BYTES + length === this.size) return this.torn(offset, "checksum mismatch in the last frame");
      throw corrupt(this.file, offset, this.lastGoodSeq, "checksum mismatch");
    }
    return { offset, payload };
  }

  /** Decode the frame at a known offset (used to fetch the last frame after a cheap scan). */
  frameAt(offset: number): Frame {
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    readFully(this.fd, head, offset);
    const payload = Buffer.alloc(head.readUInt32LE(0));
    readFully(this.fd, payload, offset + FRAME_HEADER_BYTES);
    return decodeFramePayload(payload);
  }

  close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }

  private torn(offset: number, reason: string): null {
    if (!this.newest) throw corrupt(this.file, offset, this.lastGoodSeq, `${reason}, in a segment that is not the newest`);
    this.tail = { offset, reason };
    return null;
  }

  private zeroFrom(offset: number): boolean {
    const chunk = Buffer.allocUnsafe(64 << 10);
    for (let at = offset; at < this.size; ) {
      const n = readFully(this.fd, chunk.subarray(0, Math.min(chunk.length, this.size - at)), at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false;
      at += n;
    }
    return true;
  }
}

function readHeader(ref: SegmentRef, fd: number, size: number, newest: boolean): { header: SegmentHeader; dataStart: number } | null {
  const bad = (reason: string) => corrupt(ref.file, 0, ref.firstSeq - 1, `segment header: ${reason}`);
  const prefixBuf = Buffer.alloc(Math.min(size, SEGMENT_PREFIX_BYTES));
  readFully(fd, prefixBuf, 0);
  // A header cut short can only be the newest segment caught while being
  // created; it cannot hold frames, because frames are written after it.
  const torn = () => {
    if (newest) return null;
    throw bad("file is shorter than its header (not the newest segment)");
  };
  if (size < SEGMENT_PREFIX_BYTES) return torn();
  const prefix = decodeSegmentPrefix(prefixBuf);
  if (!prefix) {
    if (isAllZero(fd, size)) return torn();
    throw bad("bad magic (not a stocktake journal segment)");
  }
  if (prefix.length > MAX_HEADER_BYTES) throw bad(`header length ${prefix.length} is implausible`);
  const dataStart = SEGMENT_PREFIX_BYTES + prefix.length;
  if (size < dataStart) return torn();
  const payload = Buffer.alloc(prefix.length);
  readFully(fd, payload, SEGMENT_PREFIX_BYTES);
  if (crc(payload) !== prefix.crc) throw bad("checksum mismatch");
  let header: SegmentHeader;
  try {
    header = decodeSegmentHeader(payload);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (header.firstSeq !== ref.firstSeq) throw bad(`header says first seq ${header.firstSeq} but the file name says ${ref.firstSeq}`);
  return { header, dataStart };
}

function isAllZero(fd: number, size: number): boolean {
  const buf = Buffer.alloc(Math.min(size, 64 << 10));
  for (let at = 0; at < size; at += buf.length) {
    const n = readFully(fd, buf, at);
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return false;
  }
  return true;
}
