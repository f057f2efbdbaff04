/**
 * Bytes of the file's framing (FORMAT.md): the prefix with the header, the
 * checksummed blocks and the footer. Block bodies are zstd frames.
 */
import { crc32 } from "node:zlib";
import { Compressor } from "zstd-napi";
import { DCtx } from "zstd-napi/binding";
import { unpackBounded } from "../journal/zstdBounded";
import { BLOCK_HEADER_BYTES, BlockType, FOOTER_BYTES, MAGIC, PREFIX_BYTES, type SnapshotHeader } from "./format";
import { pack } from "./rowPacking";

export const DEFAULT_LEVEL = 3;
const MAX_U32 = 0xffff_ffff;

export function makeCompressor(level = DEFAULT_LEVEL): Compressor {
  const c = new Compressor();
  c.setParameters({ compressionLevel: level });
  return c;
}

/** `STKSNAP1 | u32 LE length | u32 LE crc32 | msgpack header` */
export function encodePrefix(header: SnapshotHeader): Buffer {
  const payload = pack(header);
  if (payload.length > MAX_U32) throw new RangeError("snapshot header is larger than 4 GiB");
  const out = Buffer.allocUnsafe(PREFIX_BYTES + payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(payload.length, 8);
  out.writeUInt32LE(headerCrc(payload), 12);
  payload.copy(out, PREFIX_BYTES);
  return out;
}

export function headerCrc(payload: Buffer): number {
  return crc32(payload) >>> 0;
}

/**
 * The 9-byte block header for `body`. The checksum covers the type byte too,
 * so a flipped type cannot turn a rows block into a table end unnoticed.
 */
export function blockHeader(type: BlockType, body: Buffer): Buffer {
  if (body.length > MAX_U32) throw new RangeError("snapshot block is larger than 4 GiB");
  const out = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(blockCrc(type, body), 4);
  out.writeUInt8(type, 8);
  return out;
}

export function blockCrc(type: number, body: Buffer): number {
  return crc32(body, crc32(Buffer.of(type))) >>> 0;
}

/** A block whose body is zstd(msgpack(payload)). */
export function encodeBlock(type: BlockType, payload: unknown, compressor: Compressor): Buffer[] {
  const body = compressor.compress(pack(payload));
  return [blockHeader(type, body), body];
}

const plainContext = new DCtx();

/** A block body's payload, in a buffer of its own; never more than the body can hold (zstdBounded.ts). */
export function decompressBody(body: Buffer): Buffer {
  return unpackBounded(body, plainContext, (n) => Buffer.allocUnsafe(n));
}

/**
 * One buffer for blocks handled one after another. A fresh buffer per block
 * is freed only by a full GC, which a streaming restore seldom triggers, so
 * its memory would grow with the file (I6).
 */
export class ReusedBuffer {
  private buffer = Buffer.alloc(0);

  /** `length` bytes, valid until the next call. */
  take(length: number): Buffer {
    if (length > this.buffer.length) this.buffer = Buffer.allocUnsafe(length);
    return this.buffer.subarray(0, length);
  }
}

/** Block bodies decompressed into a ReusedBuffer: what decompress() returns is valid until its next call. */
export class BodyDecompressor {
  private readonly context = new DCtx();
  private readonly output = new ReusedBuffer();

  decompress(body: Buffer): Buffer {
    return unpackBounded(body, this.context, (n) => this.output.take(n));
  }
}

/** `u64 LE trailer offset | STKSNAP1` */
export function encodeFooter(trailerOffset: number): Buffer {
  const out = Buffer.allocUnsafe(FOOTER_BYTES);
  out.writeBigUInt64LE(BigInt(trailerOffset), 0);
  MAGIC.copy(out, 8);
  return out;
}

/** The trailer offset of a footer, or null when its magic is wrong. */
export function decodeFooter(footer: Buffer): number | null {
  if (footer.length !== FOOTER_BYTES || !footer.subarray(8).equals(MAGIC)) return null;
  const offset = footer.readBigUInt64LE(0);
  return offset > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(offset);
}
