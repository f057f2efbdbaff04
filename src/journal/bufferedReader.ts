import type { ByteSource } from "./byteSource";

/**
 * Sequential reads of a segment's bytes through one reusable chunk, so
 * scanning a segment holds at most one chunk plus the largest frame in
 * memory (I6). A returned Buffer is a view that is valid until the next read.
 */
export class BufferedReader {
  private buf: Buffer;
  private bufStart = 0; // offset of buf[0]
  private bufEnd = 0; // offset just past the valid bytes in buf
  pos: number;

  constructor(private readonly source: ByteSource, start: number, private readonly chunkBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.pos = start;
  }

  /** Exactly n bytes at pos (the caller has checked they exist), advancing pos. */
  read(n: number): Buffer {
    if (this.pos < this.bufStart || this.pos + n > this.bufEnd) this.fill(n);
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  private fill(n: number): void {
    // A frame bigger than the chunk gets a buffer of its own size, given back
    // at the next ordinary read so one big frame does not pin its memory.
    const want = Math.max(n, this.chunkBytes);
    if (want !== this.buf.length) this.buf = Buffer.allocUnsafe(want);
    this.bufStart = this.pos;
    this.bufEnd = this.pos + this.source.readAt(this.buf, this.pos);
    if (this.bufEnd - this.pos < n) throw new Error(`file ended at byte ${this.bufEnd} while reading ${n} bytes at ${this.pos}`);
  }
}
