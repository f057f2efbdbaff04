/**
 * A sealed segment compressed by compaction (FORMAT.md, "Compressed
 * segments"): `<16 digits>.seg.zst` holds exactly the bytes of the raw
 * segment, cut into chunks of 1 MiB that are compressed one by one. Each
 * chunk is a zstd skippable frame carrying its lengths and a checksum, then
 * a zstd frame; so `zstd -d` turns the file back into the raw segment, and a
 * reader unpacks one chunk at a time (memory stays one chunk, I6) and can
 * still seek by chunk.
 */
import * as fs from "node:fs";
import { crc32 } from "node:zlib";
import { DCtx } from "zstd-napi/binding";
import type { ByteSource } from "./byteSource";
import { openRegularSync } from "../regularFile";
import { unpackBounded, unpackLimit } from "./zstdBounded";

export const COMPRESSED_EXT = ".zst";
/** A zstd skippable frame's magic (0x184D2A50..5F are reserved for them): decoders skip it. */
export const CHUNK_MAGIC = 0x184d2a5b;
/** magic, skippable length (12), compressed length, raw length, crc32 of the compressed bytes. */
export const CHUNK_HEAD_BYTES = 20;
export const CHUNK_RAW_BYTES = 1 << 20;

/** The skippable frame in front of a chunk's zstd frame. */
export function chunkHead(compressed: Buffer, rawLength: number): Buffer {
  const head = Buffer.allocUnsafe(CHUNK_HEAD_BYTES);
  head.writeUInt32LE(CHUNK_MAGIC, 0);
  head.writeUInt32LE(12, 4);
  head.writeUInt32LE(compressed.length, 8);
  head.writeUInt32LE(rawLength, 12);
  head.writeUInt32LE(crc32(compressed) >>> 0, 16);
  return head;
}

/** Damage found in a compressed segment's own framing; the scanner names the seq it happened at. */
export class ChunkDamage extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
  }
}

interface Chunk { logical: number; physical: number; compressed: number; raw: number; crc: number }

export class CompressedBytes implements ByteSource {
  readonly compressed = true;
  private cached: { index: number; bytes: Buffer } | null = null;
  private readonly context = new DCtx();
  private closed = false;

  private constructor(private readonly fd: number, readonly diskBytes: number, private readonly chunks: Chunk[], readonly size: number) {}

  /** Opens the file and reads its chunk heads (20 bytes per MiB of segment); throws ChunkDamage on a broken framing. */
  static open(file: string): CompressedBytes {
    const { fd, size: diskBytes } = openRegularSync(file);
    try {
      const chunks: Chunk[] = [];
      const head = Buffer.allocUnsafe(CHUNK_HEAD_BYTES);
      let logical = 0;
      for (let at = 0; at < diskBytes;) {
        if (diskBytes - at < CHUNK_HEAD_BYTES || fs.readSync(fd, head, 0, CHUNK_HEAD_BYTES, at) < CHUNK_HEAD_BYTES) {
          throw new ChunkDamage(at, "compressed segment ends inside a chunk head");
        }
        if (head.readUInt32LE(0) !== CHUNK_MAGIC || head.readUInt32LE(4) !== 12) throw new ChunkDamage(at, "bad chunk head (not a compressed stocktake segment chunk)");
        const chunk = { logical, physical: at + CHUNK_HEAD_BYTES, compressed: head.readUInt32LE(8), raw: head.readUInt32LE(12), crc: head.readUInt32LE(16) };
        if (chunk.physical + chunk.compressed > diskBytes) throw new ChunkDamage(at, `chunk of ${chunk.compressed} bytes runs past the end of the file`);
        if (chunk.raw === 0 || chunk.raw > 64 * CHUNK_RAW_BYTES) throw new ChunkDamage(at, `chunk says it holds ${chunk.raw} bytes`);
        // Checked before anything is unpacked: a head must not make a reader allocate more than its bytes can hold.
        if (chunk.raw > unpackLimit(chunk.compressed)) throw new ChunkDamage(at, `chunk says it holds ${chunk.raw} bytes, more than its ${chunk.compressed} packed bytes can`);
        chunks.push(chunk);
        logical += chunk.raw;
        at = chunk.physical + chunk.compressed;
      }
      return new CompressedBytes(fd, diskBytes, chunks, logical);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  readAt(buf: Buffer, position: number): number {
    let got = 0;
    while (got < buf.length && position + got < this.size) {
      const index = this.chunkAt(position + got);
      const bytes = this.unpack(index);
      const from = position + got - this.chunks[index].logical;
      got += bytes.copy(buf, got, from, Math.min(bytes.length, from + buf.length - got));
    }
    return got;
  }

  close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }

  private chunkAt(position: number): number {
    let a = 0;
    let b = this.chunks.length - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (this.chunks[m].logical <= position) a = m;
      else b = m - 1;
    }
    return a;
  }

  /** One chunk's raw bytes, checked; the last one unpacked is kept, so a sequential scan unpacks each chunk once. */
  private unpack(index: number): Buffer {
    if (this.cached?.index === index) return this.cached.bytes;
    const c = this.chunks[index];
    const packed = Buffer.allocUnsafe(c.compressed);
    if (fs.readSync(this.fd, packed, 0, c.compressed, c.physical) < c.compressed) throw new ChunkDamage(c.physical, "compressed chunk cut short");
    if ((crc32(packed) >>> 0) !== c.crc) throw new ChunkDamage(c.physical - CHUNK_HEAD_BYTES, "checksum mismatch in a compressed chunk");
    let bytes: Buffer;
    try {
      bytes = unpackBounded(packed, this.context, (n) => Buffer.allocUnsafe(n), c.raw);
    } catch (e) {
      throw new ChunkDamage(c.physical, `compressed chunk does not decompress: ${(e as Error).message}`);
    }
    if (bytes.length !== c.raw) throw new ChunkDamage(c.physical, `compressed chunk unpacks to ${bytes.length} bytes, its head says ${c.raw}`);
    this.cached = { index, bytes };
    return bytes;
  }
}
