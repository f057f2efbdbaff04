import type { FileHandle } from "node:fs/promises";

/**
 * Sequential writes through a FileHandle, gathered into ~1 MiB writes so that
 * many small blocks (empty tables) do not cost a syscall each, and bounded
 * so memory does not grow with the file (I6).
 */
export class FileSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** File offset of the next byte pushed. */
  position = 0;

  constructor(private readonly fh: FileHandle, private readonly flushBytes = 1 << 20) {}

  async push(...chunks: Buffer[]): Promise<void> {
    for (const c of chunks) {
      this.pending.push(c);
      this.pendingBytes += c.length;
      this.position += c.length;
    }
    if (this.pendingBytes >= this.flushBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const at = this.position - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    // write() may write less than asked (disk nearly full, signals): loop.
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, at + done);
      if (bytesWritten === 0) throw new Error("write made no progress");
      done += bytesWritten;
    }
  }
}
