/**
 * One segment file: naming, listing, and a frame-by-frame scan that tells an
 * unfinished append at the end of the newest segment from damage (anything
 * else), which is a loud error naming file, byte offset and seq (I5). Shared
 * by the writer's recovery and the readers so both judge alike.
 */
import { BufferedReader } from "./bufferedReader";
import type { ByteSource } from "./byteSource";
import { FRAME_HEADER_BYTES, type FrameHead, SEGMENT_PREFIX_BYTES, crc, decodeFrame, decodeFrameHead, decodeSegmentHeader, decodeSegmentPrefix } from "./codec";
import { ChunkDamage, COMPRESSED_EXT } from "./compressedSegment";
import { corrupt, openBytes, type SegmentRef } from "./segmentFiles";
import { nextFrame } from "./sequence";
import type { Frame, SegmentHeader } from "./types";

export { corrupt, journalDir, listSegments, segmentFileName, type SegmentRef } from "./segmentFiles";

/** A header bigger than this is a damaged length field, not a schema. */
const MAX_HEADER_BYTES = 16 << 20;

/**
 * How the newest segment may end short of a whole transaction:
 * - "short": a frame header or body cut off by the end of the file, or the
 *   last parts of a transaction whose final part is not there yet. Only an
 *   unfinished append (a crash, or a writer at work right now) leaves that.
 * - "suspect": a last frame of its full length whose checksum fails, or a
 *   zero-filled tail. A crash can leave them (the size reached the disk, the
 *   data did not), but so can damage to bytes that were synced; only the
 *   database can tell (its outbox still holds those transactions, or not).
 */
export type TailKind = "short" | "suspect";

export interface ScannedFrame extends FrameHead {
  offset: number;
  /** The frame body; valid until the next call on the scanner. */
  body: Buffer;
}

export class SegmentScanner {
  /** Frames returned so far. */
  frames = 0;
  /** Seq and commit time of the last transaction whose last part was scanned. */
  lastComplete: { seq: number; at: number } | null = null;
  /** A transaction whose parts were scanned but not yet its last one. */
  open: { seq: number; part: number; offset: number } | null = null;
  /** Set when the scan stopped at the end of the newest segment short of whole frames. */
  tail: { offset: number; reason: string; kind: TailKind } | null = null;
  private readonly reader: BufferedReader;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly bytes: ByteSource,
    readonly size: number,
    readonly header: SegmentHeader,
    readonly dataStart: number,
    private readonly newest: boolean,
  ) {
    this.reader = new BufferedReader(bytes, dataStart);
  }

  /**
   * Open and check the header. Null means the newest segment has a torn header
   * (a crash while it was being created), so it holds no frames.
   */
  static open(ref: SegmentRef, newest: boolean): SegmentScanner | null {
    const bytes = openBytes(ref);
    const file = bytes.compressed && !ref.compressed ? ref.file + COMPRESSED_EXT : ref.file;
    try {
      const read = readHeader({ ...ref, file }, bytes, bytes.size, newest);
      if (!read) {
        bytes.close();
        return null;
      }
      return new SegmentScanner(file, bytes, bytes.size, read.header, read.dataStart, newest);
    } catch (e) {
      bytes.close();
      if (e instanceof ChunkDamage) throw corrupt(file, e.offset, ref.firstSeq - 1, e.message);
      throw e;
    }
  }

  /** Bytes the file takes on disk (less than size for a compressed segment). */
  get diskBytes(): number {
    return this.bytes.diskBytes;
  }

  get compressed(): boolean {
    return this.bytes.compressed;
  }

  /** Seq of the last whole transaction scanned; firstSeq - 1 before the first. */
  get lastCompleteSeq(): number {
    return this.lastComplete?.seq ?? this.header.firstSeq - 1;
  }

  /** Byte offset of the next frame. */
  get position(): number {
    return this.reader.pos;
  }

  /** Byte offset just past the last whole transaction scanned. */
  get completeEnd(): number {
    return this.open ? this.open.offset : this.tail ? this.tail.offset : this.reader.pos;
  }

  /** Next frame with a valid checksum, its head decoded and checked to continue the sequence, its changes not (cheap scans). Null at the end. */
  nextHead(): ScannedFrame | null {
    const next = this.readBody();
    if (!next) {
      if (this.open && !this.newest) {
        throw corrupt(this.file, this.open.offset, this.lastCompleteSeq, `transaction ${this.open.seq} has no last part, in a segment that is not the newest`);
      }
      // Segments are created by the append that needs them: only a crash leaves one without frames, and only the newest.
      if (this.frames === 0 && !this.newest && !this.tail) {
        throw corrupt(this.file, this.dataStart, this.lastCompleteSeq, "segment holds no frames, and is not the newest");
      }
      return null;
    }
    let head: FrameHead;
    try {
      head = decodeFrameHead(next.body, this.header.version);
    } catch (e) {
      throw corrupt(this.file, next.offset, this.lastCompleteSeq, `undecodable frame: ${(e as Error).message}`);
    }
    const want = nextFrame(this.open, this.lastCompleteSeq);
    if (head.seq !== want.seq || head.part !== want.part) {
      const what = head.part === 0 && want.part === 0 ? `frame holds seq ${head.seq}` : `frame holds seq ${head.seq} part ${head.part} where seq ${want.seq} part ${want.part} belongs`;
      throw corrupt(this.file, next.offset, this.lastCompleteSeq, what);
    }
    if (head.more) this.open = { seq: head.seq, part: head.part, offset: this.open?.offset ?? next.offset };
    else {
      this.open = null;
      this.lastComplete = { seq: head.seq, at: head.at };
    }
    this.frames++;
    return { ...head, offset: next.offset, body: next.body };
  }

  /** Next frame, decoded. Null at the end. */
  nextFrame(): { offset: number; frame: Frame } | null {
    const lastGood = this.lastCompleteSeq;
    const next = this.nextHead();
    if (!next) return null;
    try {
      return { offset: next.offset, frame: decodeFrame(next.body, this.header.version, next) };
    } catch (e) {
      throw corrupt(this.file, next.offset, lastGood, `undecodable frame: ${(e as Error).message}`);
    }
  }

  private readBody(): { offset: number; body: Buffer } | null {
    try {
      return this.readChecked();
    } catch (e) {
      if (e instanceof ChunkDamage) throw corrupt(this.file, e.offset, this.lastCompleteSeq, e.message);
      throw e;
    }
  }

  private readChecked(): { offset: number; body: Buffer } | null {
    if (this.tail) return null;
    const offset = this.reader.pos;
    const left = this.size - offset;
    if (left === 0) return null;
    if (left < FRAME_HEADER_BYTES) return this.ended(offset, `only ${left} bytes of a frame header at the end`, "short");
    const head = this.reader.read(FRAME_HEADER_BYTES);
    const length = head.readUInt32LE(0);
    const sum = head.readUInt32LE(4);
    if (length === 0) {
      // Never written (a frame is never empty): a crash can leave the tail
      // zero-filled when the size reached the disk but the data did not.
      if (this.zeroFrom(offset)) return this.ended(offset, "zero-filled tail", "suspect");
      throw corrupt(this.file, offset, this.lastCompleteSeq, "frame length 0");
    }
    if (length > left - FRAME_HEADER_BYTES) {
      return this.ended(offset, `frame of ${length} bytes runs past the end of the file`, "short");
    }
    const body = this.reader.read(length);
    if (crc(body) !== sum) {
      // A frame followed by more bytes was complete once; only the very last can be suspect.
      if (offset + FRAME_HEADER_BYTES + length === this.size) return this.ended(offset, "checksum mismatch in the last frame", "suspect");
      throw corrupt(this.file, offset, this.lastCompleteSeq, "checksum mismatch");
    }
    return { offset, body };
  }

  close(): void {
    if (!this.closed) this.bytes.close();
    this.closed = true;
  }

  private ended(offset: number, reason: string, kind: TailKind): null {
    if (!this.newest) throw corrupt(this.file, offset, this.lastCompleteSeq, `${reason}, in a segment that is not the newest`);
    this.tail = { offset, reason, kind };
    return null;
  }

  private zeroFrom(offset: number): boolean {
    const chunk = Buffer.allocUnsafe(64 << 10);
    for (let at = offset; at < this.size; ) {
      const n = this.bytes.readAt(chunk.subarray(0, Math.min(chunk.length, this.size - at)), at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false;
      at += n;
    }
    return true;
  }
}

/**
 * Scans a whole segment cheaply (checksums and heads, no changes decoded).
 * Readers call it on the newest segment before yielding from it, so that
 * they stop before a transaction whose last part is not written yet.
 */
export function scanSegment(ref: SegmentRef, newest: boolean): SegmentScanner | null {
  const scanner = SegmentScanner.open(ref, newest);
  if (!scanner) return null;
  try {
    while (scanner.nextHead());
  } finally {
    scanner.close();
  }
  return scanner;
}

function readHeader(ref: SegmentRef, bytes: ByteSource, size: number, newest: boolean): { header: SegmentHeader; dataStart: number } | null {
  const bad = (reason: string) => corrupt(ref.file, 0, ref.firstSeq - 1, `segment header: ${reason}`);
  const prefixBuf = Buffer.alloc(Math.min(size, SEGMENT_PREFIX_BYTES));
  readAt(bytes, prefixBuf, 0);
  // A header cut short can only be the newest segment caught while being
  // created; it cannot hold frames, because frames are written after it.
  const torn = () => {
    if (newest) return null;
    throw bad("file is shorter than its header (not the newest segment)");
  };
  if (size < SEGMENT_PREFIX_BYTES) return torn();
  const prefix = decodeSegmentPrefix(prefixBuf);
  if (!prefix) {
    if (isAllZero(bytes, size)) return torn();
    throw bad("bad magic (not a stocktake journal segment)");
  }
  if (prefix.length > MAX_HEADER_BYTES) throw bad(`header length ${prefix.length} is implausible`);
  const dataStart = SEGMENT_PREFIX_BYTES + prefix.length;
  if (size < dataStart) return torn();
  const payload = Buffer.alloc(prefix.length);
  readAt(bytes, payload, SEGMENT_PREFIX_BYTES);
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

function readAt(bytes: ByteSource, buf: Buffer, position: number): number {
  return bytes.readAt(buf, position);
}

function isAllZero(bytes: ByteSource, size: number): boolean {
  const buf = Buffer.alloc(Math.min(size, 64 << 10));
  for (let at = 0; at < size; at += buf.length) {
    const n = readAt(bytes, buf, at);
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return false;
  }
  return true;
}
