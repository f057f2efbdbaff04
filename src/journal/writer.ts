/**
 * The only code that adds to a journal. Frames arrive in sequence order, one
 * per committed transaction; a batch is written with one write call (group
 * commit) and made durable by sync(). Asynchronous so an fdatasync does not
 * stall the app's event loop; operations run one at a time in call order, so
 * a sync never races a rotation that closes its file.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { BackupError } from "../errors";
import { FORMAT_VERSION, encodeFrame, encodeSegmentHeader } from "./codec";
import { schemaFingerprint } from "./fingerprint";
import { JournalLock } from "./lock";
import { type RecoveryNote, fsyncDir, recoverJournal } from "./recovery";
import { journalDir, segmentFileName } from "./segment";
import type { DatabaseSchema, Frame } from "./types";

export interface JournalWriterOptions {
  /** Schema of the database the frames come from; written into each new segment's header. */
  schema: DatabaseSchema;
  /** Start a new segment once the current one has reached this size. Default 64 MiB. */
  segmentBytes?: number;
  /**
   * Seq the first frame must have when the journal is empty (default 1), e.g.
   * a new store for a database whose changelog is already under way. Ignored
   * when the journal holds frames.
   */
  firstSeq?: number;
}

interface ActiveSegment {
  file: string;
  handle: fsp.FileHandle;
  size: number;
  fingerprint: string;
}

export class JournalWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set when a failed write or rotation could not be undone: appending on could leave a hole. */
  private broken: Error | null = null;
  private fingerprint: string;

  private constructor(
    private readonly dir: string,
    private readonly lock: JournalLock,
    private schema: DatabaseSchema,
    private readonly segmentBytes: number,
    private active: ActiveSegment | null,
    private seq: number,
    private at: number | null,
    /** What recovery cut away on open (a torn tail or an empty segment); null when nothing. */
    readonly recovered: RecoveryNote | null,
  ) {
    this.fingerprint = schemaFingerprint(schema);
  }

  /** Create the store's journal directory if needed, take the lock, recover. */
  static async open(storeDir: string, options: JournalWriterOptions): Promise<JournalWriter> {
    const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) throw new BackupError("BAD_INPUT", `segmentBytes must be a positive integer, got ${segmentBytes}`);
    const firstSeq = options.firstSeq ?? 1;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new BackupError("BAD_INPUT", `firstSeq must be a positive integer, got ${firstSeq}`);
    if (!options.schema || !Array.isArray(options.schema.tables)) throw new BackupError("BAD_INPUT", "the journal writer needs the database schema");

    const dir = journalDir(storeDir);
    const created = await fsp.mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // New directories survive a crash only once their parents are synced.
      for (let d = dir; d !== path.dirname(created); d = path.dirname(d)) fsyncDir(path.dirname(d));
    }
    const lock = JournalLock.acquire(storeDir);
    try {
      // Synchronous: it runs once, before anything else may use the journal.
      const r = recoverJournal(dir);
      let active: ActiveSegment | null = null;
      if (r.active) {
        active = { file: r.active.file, handle: await fsp.open(r.active.file, "r+"), size: r.active.size, fingerprint: r.active.header.fingerprint };
      }
      return new JournalWriter(dir, lock, options.schema, segmentBytes, active, r.active ? r.lastSeq : firstSeq - 1, r.lastAt, r.recovered);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Seq of the last frame in the journal; 0 when it is empty. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Commit time of the last frame; null when the journal is empty. */
  get lastAt(): number | null {
    return this.at;
  }

  /**
   * Append frames that continue the sequence. Frames at or below lastSeq are
   * skipped: they were shipped before a crash, so shipping twice is harmless.
   * Resolves to how many frames were written. Not durable until sync().
   */
  append(frames: readonly Frame[]): Promise<number> {
    return this.run(async () => {
      let skip = 0;
      while (skip < frames.length && frames[skip].seq <= this.seq) skip++;
      const fresh = frames.slice(skip);
      if (fresh.length === 0) return 0;
      fresh.forEach((f, i) => {
        if (f.seq !== this.seq + 1 + i) {
          throw new BackupError(
            "JOURNAL_GAP",
            `frame seq ${f.seq} does not continue the journal in ${this.dir}: expected seq ${this.seq + 1 + i}`,
            "frames must be appended in sequence order without holes",
          );
        }
        if (typeof f.at !== "number" || !Number.isFinite(f.at)) throw new BackupError("BAD_INPUT", `frame ${f.seq} has no valid commit time`);
      });
      let data: Buffer;
      try {
        data = Buffer.concat(fresh.map(encodeFrame));
      } catch (e) {
        throw new BackupError("BAD_INPUT", `cannot journal frames ${fresh[0].seq}..${fresh[fresh.length - 1].seq}: ${(e as Error).message}`);
      }
      if (!this.active || this.active.size >= this.segmentBytes || this.active.fingerprint !== this.fingerprint) {
        try {
          await this.rotate(fresh[0].seq);
        } catch (e) {
          this.broken = e as Error; // a half-made segment is for recovery on the next open to judge
          throw e;
        }
      }
      await this.write(this.active!, data);
      const last = fresh[fresh.length - 1];
      this.seq = last.seq;
      this.at = last.at;
      return fresh.length;
    });
  }

  /** Make everything appended so far durable. */
  sync(): Promise<void> {
    return this.run(async () => {
      if (this.active) await this.active.handle.datasync();
    });
  }

  /** Frames appended from now on carry this schema; a different one starts a new segment. */
  setSchema(schema: DatabaseSchema): Promise<void> {
    return this.run(async () => {
      this.schema = schema;
      this.fingerprint = schemaFingerprint(schema);
    });
  }

  /** Sync, close the segment and release the lock. Closing twice is harmless. */
  close(): Promise<void> {
    const result = this.queue.then(async () => {
      if (this.closed) return;
      this.closed = true;
      try {
        if (this.active && !this.broken) await this.active.handle.datasync();
      } finally {
        await this.active?.handle.close();
        this.active = null;
        this.lock.release();
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new BackupError("INTERNAL", `journal writer for ${this.dir} is closed`);
      if (this.broken) throw new BackupError("INTERNAL", `journal writer for ${this.dir} failed earlier (${this.broken.message})`, "close it and open it again to recover");
      return op();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async write(segment: ActiveSegment, data: Buffer): Promise<void> {
    try {
      // One call; the loop only continues a short write.
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await segment.handle.write(data, done, data.length - done, segment.size + done);
        done += bytesWritten;
      }
      segment.size += data.length;
    } catch (e) {
      // Cut a partial batch off so the file again ends on a whole frame.
      try {
        await segment.handle.truncate(segment.size);
      } catch {
        this.broken = e as Error;
      }
      throw e;
    }
  }

  /**
   * Seal the current segment (durably) and start one named by firstSeq. The
   * header goes to a temp file that is synced and renamed, so a segment file
   * never has a torn header and never holds frames behind an unsynced one.
   */
  private async rotate(firstSeq: number): Promise<void> {
    if (this.active) {
      const old = this.active;
      this.active = null;
      try {
        await old.handle.datasync();
      } finally {
        await old.handle.close();
      }
    }
    const file = path.join(this.dir, segmentFileName(firstSeq));
    if (fs.existsSync(file)) throw new BackupError("INTERNAL", `segment ${file} already exists; refusing to overwrite it`);
    const header = encodeSegmentHeader({ version: FORMAT_VERSION, firstSeq, createdAt: Date.now(), schema: this.schema, fingerprint: this.fingerprint });
    const tmp = file + ".tmp";
    await fsp.rm(tmp, { force: true }); // left by a rotation that failed before its rename
    const h = await fsp.open(tmp, "wx");
    try {
      await h.writeFile(header);
      await h.datasync();
    } finally {
      await h.close();
    }
    await fsp.rename(tmp, file);
    fsyncDir(this.dir);
    this.active = { file, handle: await fsp.open(file, "r+"), size: header.length, fingerprint: this.fingerprint };
  }
}
