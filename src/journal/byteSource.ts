/**
 * The bytes of a segment as a reader sees them, whatever form the file has
 * on disk: a raw segment is its file; a compressed one (compaction,
 * compressedSegment.ts) is the same bytes, unpacked a chunk at a time. The
 * scanner reads through this, so both forms are judged by the same code.
 */
import * as fs from "node:fs";
import { openRegularSync } from "../regularFile";

export interface ByteSource {
  /** Size of the segment's bytes (the uncompressed size of a compressed segment). */
  readonly size: number;
  /** Bytes the file takes on disk. */
  readonly diskBytes: number;
  readonly compressed: boolean;
  /** Fills buf from `position` as far as the bytes go; returns how many were read. */
  readAt(buf: Buffer, position: number): number;
  close(): void;
}

/** A raw segment file: reads go straight to it. */
export class FileBytes implements ByteSource {
  readonly compressed = false;
  private closed = false;
  private constructor(private readonly fd: number, readonly size: number) {}

  /** A symlink or anything but a regular file under a segment's name is refused, not followed (regularFile.ts). */
  static open(file: string): FileBytes {
    const { fd, size } = openRegularSync(file);
    return new FileBytes(fd, size);
  }

  get diskBytes(): number {
    return this.size;
  }

  readAt(buf: Buffer, position: number): number {
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  close(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
  }
}
