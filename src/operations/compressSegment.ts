/**
 * Compressing one sealed segment (journal/compressedSegment.ts has the
 * form), so that a crash at any point leaves the segment readable: the
 * compressed file is written beside the raw one under a temp name, synced,
 * checked to unpack to the raw bytes exactly, published under its name
 * (link: never over a file that is there), the directory synced, and only
 * then is the raw segment removed. Readers prefer the raw file while both
 * exist, and find the compressed one if the raw one goes under them.
 */
import { promises as fs } from "node:fs";
import * as fsSync from "node:fs";
import { Compressor } from "zstd-napi";
import { fsyncDir, openTemp, publish } from "../durable";
import { FileBytes, type ByteSource } from "../journal/byteSource";
import { CHUNK_RAW_BYTES, chunkHead, COMPRESSED_EXT, CompressedBytes } from "../journal/compressedSegment";
import { dirname } from "node:path";

/** zstd level: compaction runs off the write path, so it may trade time for size. */
export const COMPACTION_LEVEL = 9;

export interface Compressed { file: string; rawBytes: number; diskBytes: number }

/** Compresses the raw segment `file` (sealed: the caller checked); returns the sizes. Idempotent: a compressed file left by a crash is checked and kept. */
export async function compressSegment(file: string, level = COMPACTION_LEVEL): Promise<Compressed> {
  const target = file + COMPRESSED_EXT;
  if (!(await sameBytesAt(target, file))) {
    const { temp, fh } = await openTemp(target);
    try {
      try {
        await writeChunks(file, fh, level);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (!(await sameBytesAt(temp, file))) throw new Error(`compressing ${file} gave a file that does not unpack to it`);
      // Another compaction may have published it meanwhile: then it was checked like this one.
      if (!(await publish(temp, target, false))) await fs.rm(temp, { force: true });
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
    if (!(await sameBytesAt(target, file))) throw new Error(`${target} does not unpack to ${file}; the raw segment is kept`);
  }
  const rawBytes = fsSync.statSync(file).size;
  await fs.rm(file, { force: true });
  await fsyncDir(dirname(file));
  return { file: target, rawBytes, diskBytes: fsSync.statSync(target).size };
}

async function writeChunks(file: string, fh: fs.FileHandle, level: number): Promise<void> {
  const compressor = new Compressor();
  compressor.setParameters({ compressionLevel: level });
  const raw = FileBytes.open(file);
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_RAW_BYTES);
    for (let at = 0; at < raw.size;) {
      const n = raw.readAt(chunk, at);
      if (n === 0) throw new Error(`${file} ended at byte ${at} of ${raw.size} while being compressed`);
      const packed = compressor.compress(chunk.subarray(0, n));
      await fh.write(chunkHead(packed, n));
      await fh.write(packed);
      at += n;
    }
  } finally {
    raw.close();
  }
}

/** Whether `compressed` exists, is whole, and unpacks to exactly the bytes of `raw`. */
async function sameBytesAt(compressed: string, raw: string): Promise<boolean> {
  let a: ByteSource | null = null;
  let b: ByteSource | null = null;
  try {
    a = CompressedBytes.open(compressed);
    b = FileBytes.open(raw);
    if (a.size !== b.size) return false;
    const x = Buffer.allocUnsafe(CHUNK_RAW_BYTES);
    const y = Buffer.allocUnsafe(CHUNK_RAW_BYTES);
    for (let at = 0; at < a.size;) {
      const n = a.readAt(x, at);
      if (n === 0 || b.readAt(y, at) !== n || !x.subarray(0, n).equals(y.subarray(0, n))) return false;
      at += n;
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || !(e as NodeJS.ErrnoException).code) return false;
    throw e;
  } finally {
    a?.close();
    b?.close();
  }
}
