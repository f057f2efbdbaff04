/**
 * Unpacking zstd bytes read from a file without letting the file choose how
 * much memory that takes. A zstd frame states its unpacked size, and a
 * damaged or hostile file can state 4 GiB in a block of 40 bytes: the size
 * is checked against what the packed bytes can possibly hold before anything
 * is allocated. zstd cannot unpack one byte into more than ZSTD_MAX_RATIO
 * (a run-length block: 4 bytes for a block of 128 KiB), so a real frame never
 * fails the check. Shared by snapshot blocks and compressed segments.
 */
import { DCtx, findFrameCompressedSize, getFrameContentSize } from "zstd-napi/binding";

export const ZSTD_MAX_RATIO = 32 * 1024;

/** The most `packed` bytes of zstd can unpack to. */
export function unpackLimit(packedBytes: number): number {
  return packedBytes * ZSTD_MAX_RATIO;
}

/**
 * The unpacked bytes of `packed` (one or more zstd frames), at most `limit`
 * of them (default: what the packed bytes can hold); `take(n)` gives the
 * buffer to unpack into (a reused one, or a fresh one). Throws a plain Error
 * saying why when the frames state more, or unpack to more.
 */
export function unpackBounded(packed: Buffer, dctx: DCtx, take: (n: number) => Buffer, limit = unpackLimit(packed.length)): Buffer {
  const max = Math.min(limit, unpackLimit(packed.length));
  const stated = statedSize(packed);
  if (stated !== null && stated > max) throw new Error(`zstd data of ${packed.length} bytes says it unpacks to ${stated} bytes, more than ${max}`);
  if (stated !== null) {
    const out = take(stated);
    return out.subarray(0, dctx.decompress(out, packed));
  }
  // No stated size (this program always writes one): unpacked piece by piece, stopped at the limit.
  const pieces: Buffer[] = [];
  let total = 0;
  let inFrame = false;
  for (let rest = packed; rest.length > 0 || inFrame;) {
    const piece = Buffer.allocUnsafe(Math.min(1 << 20, max - total + 1));
    const [hint, produced, consumed] = dctx.decompressStream(piece, rest);
    total += produced;
    if (total > max) throw new Error(`zstd data of ${packed.length} bytes unpacks to more than ${max} bytes`);
    if (produced === 0 && consumed === 0) throw new Error("zstd data ends inside a frame");
    pieces.push(piece.subarray(0, produced));
    rest = rest.subarray(consumed);
    inFrame = hint !== 0;
  }
  return Buffer.concat(pieces, total);
}

/** The sum of the sizes the frames state; null when one states none. Throws on bytes that are not zstd frames. */
function statedSize(packed: Buffer): number | null {
  let total = 0;
  for (let rest = packed; rest.length > 0;) {
    const size = getFrameContentSize(rest);
    if (size === null) return null;
    total += size;
    rest = rest.subarray(findFrameCompressedSize(rest));
  }
  return total;
}
