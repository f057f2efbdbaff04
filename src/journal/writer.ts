/**
 * The only code that adds to a journal. Frames arrive in sequence order, one
 * per committed transaction or one per part of a large one; a batch is
 * written with one write call (group commit) and made durable by sync().
 * Asynchronous so an fdatasync does not stall the app's event loop;
 * operations run one at a time in call order, so a sync never races a
 * rotation that closes its file.
 */
import * as fsp from "node:fs/promises";
import { BackupError } from "../errors";
import { FORMAT_VERSION, encodeFrame } from "./codec";
import { createSegment } from "./newSegment";
import { schemaFingerprint } from "./fingerprint";
import { type JournalLock, lockJournal } from "./lock";
import { nextFrame } from "./sequence";
import { type RecoveryNote, recoverJournal } from "./recovery";
import { journalDir } from "./segment";
import type { Frame, SegmentHeader } from "./types";
import type { DatabaseSchema, FileIdentity } from "../db/types";

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
  /** The first seq the database's outbox can ship again (see RecoveryOptions); lets recovery cut a suspect tail. */
  reshippableFrom?: number;
  /** Database and store written into each new segment's header. */
  identity?: FileIdentity;
  /** The store's lock, when the caller took it first (lockJournal); closing the writer releases it. */
  lock?: JournalLock;
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
  /** A transaction whose parts are written but not yet its last: where it starts, and the last part. */
  private open: { seq: number; part: number; offset: number } | null = null;
  /** skipTo() was called: the next frame starts a new segment, whatever the current one's size. */
  private skipped = false;

  private constructor(
    private readonly dir: string,
    private readonly lock: JournalLock,
    private schema: DatabaseSchema,
    private readonly segmentBytes: number,
    private readonly identity: FileIdentity,
    private active: ActiveSegment | null,
    private seq: number,
    private at: number | null,
    /** What recovery cut away on open (a torn tail or an empty segment); null when nothing. */
    readonly recovered: RecoveryNote | null,
  ) {
    this.fingerprint = schemaFingerprint(schema);
  }

  /** Take the lock (unless given), recover the newest segment, and open for appending. */
  static async open(storeDir: string, options: JournalWriterOptions): Promise<JournalWriter> {
    const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) throw new BackupError("BAD_INPUT", `segmentBytes must be a positive integer, got ${segmentBytes}`);
    const firstSeq = options.firstSeq ?? 1;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new BackupError("BAD_INPUT", `firstSeq must be a positive integer, got ${firstSeq}`);
    if (!options.schema || !Array.isArray(options.schema.tables)) throw new BackupError("BAD_INPUT", "the journal writer needs the database schema");

    const lock = options.lock ?? await lockJournal(storeDir);
    try {
      // Synchronous: it runs once, before anything else may use the journal.
      const r = recoverJournal(journalDir(storeDir), { reshippableFrom: options.reshippableFrom });
      let active: ActiveSegment | null = null;
      if (r.active) {
        active = { file: r.active.file, handle: await fsp.open(r.active.file, "r+"), size: r.active.size, fingerprint: r.active.header.fingerprint };
      }
      const identity = options.identity ?? { databaseId: null, storeId: null };
      return new JournalWriter(journalDir(storeDir), lock, options.schema, segmentBytes, identity, active, r.lastSeq > 0 ? r.lastSeq : firstSeq - 1, r.lastAt, r.recovered);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Seq of the last whole transaction in the journal; 0 when it is empty. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Commit time of the last whole transaction; null when the journal is empty. */
  get lastAt(): number | null {
    return this.at;
  }

  /**
   * Append frames that continue the sequence. Transactions at or below
   * lastSeq are skipped: they were shipped before a crash, so shipping twice
   * is harmless. A transaction whose parts were appended but not its last
   * one may be shipped again from its first part: what was written of it is
   * cut off first. Resolves to how many frames were written. Not durable
   * until sync().
   */
  append(frames: readonly Frame[]): Promise<number> {
    return this.run(async () => {
      let skip = 0;
      while (skip < frames.length && frames[skip].seq <= this.seq) skip++;
      const fresh = frames.slice(skip);
      if (fresh.length === 0) return 0;
      if (this.open && fresh[0].seq === this.open.seq && (fresh[0].part ?? 0) === 0) await this.cutOpenTransaction();
      const after = this.afterAppending(fresh);
      let encoded: Buffer[];
      try {
        encoded = fresh.map(encodeFrame);
      } catch (e) {
        throw new BackupError("BAD_INPUT", `cannot journal frames ${fresh[0].seq}..${fresh[fresh.length - 1].seq}: ${(e as Error).message}`);
      }
      // A new segment starts only between transactions, so every segment but the newest holds whole ones.
      if (!this.open && (this.skipped || !this.active || this.active.size >= this.segmentBytes || this.active.fingerprint !== this.fingerprint)) {
        try {
          await this.rotate(fresh[0].seq);
          this.skipped = false;
        } catch (e) {
          this.broken = e as Error; // a half-made segment is for recovery on the next open to judge
          throw e;
        }
      }
      const segment = this.active!;
      let openOffset = this.open?.offset ?? -1;
      if (after.open && after.open.firstIndex >= 0) {
        openOffset = segment.size;
        for (let i = 0; i < after.open.firstIndex; i++) openOffset += encoded[i].length;
      }
      await this.write(segment, Buffer.concat(encoded));
      this.seq = after.seq;
      this.at = after.at;
      this.open = after.open && { seq: after.open.seq, part: after.open.part, offset: openOffset };
      return fresh.length;
    });
  }

  /** True once a failed write could not be undone: the writer must be closed and opened again (recovery then judges the tail). */
  get isBroken(): boolean {
    return this.broken !== null;
  }

  /**
   * Continues the journal at `seq`, after transactions that are lost for good
   * (their segment was lost, and the database pruned them): the next frame
   * starts a new segment named by it, and readers report the hole before it.
   * Only what an operator asks for (attachChangelog's acceptJournalGap).
   */
  skipTo(seq: number): Promise<void> {
    return this.run(async () => {
      if (this.open) throw new BackupError("INTERNAL", `cannot skip to seq ${seq} while transaction ${this.open.seq} is being written`);
      if (!Number.isSafeInteger(seq) || seq <= this.seq + 1) return;
      this.seq = seq - 1;
      this.skipped = true;
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

  /**
   * Where the journal stands after `fresh`, which must continue it: each
   * frame is the next part of the open transaction, or part 0 of the next
   * seq. `open.firstIndex` is the index in `fresh` of the first part of a
   * transaction left open at the end (-1: it was open before the batch).
   */
  private afterAppending(fresh: readonly Frame[]): { seq: number; at: number | null; open: { seq: number; part: number; firstIndex: number } | null } {
    let seq = this.seq;
    let at = this.at;
    let open: { seq: number; part: number; firstIndex: number } | null = this.open && { seq: this.open.seq, part: this.open.part, firstIndex: -1 };
    fresh.forEach((f, i) => {
      const part = f.part ?? 0;
      const want = nextFrame(open, seq);
      if (f.seq !== want.seq || part !== want.part) {
        throw new BackupError(
          "JOURNAL_GAP",
          want.part === 0 && part === 0
            ? `frame seq ${f.seq} does not continue the journal in ${this.dir}: expected seq ${want.seq}`
            : `frame seq ${f.seq} part ${part} does not continue the journal in ${this.dir}: expected seq ${want.seq} part ${want.part}`,
          "frames must be appended in sequence order without holes",
        );
      }
      if (typeof f.at !== "number" || !Number.isFinite(f.at)) throw new BackupError("BAD_INPUT", `frame ${f.seq} has no valid commit time`);
      if (f.more) open = { seq: f.seq, part, firstIndex: open ? open.firstIndex : i };
      else {
        open = null;
        seq = f.seq;
        at = f.at;
      }
    });
    return { seq, at, open };
  }

  /** The open transaction is shipped again from its first part: cut off what was written of it. */
  private async cutOpenTransaction(): Promise<void> {
    const segment = this.active!;
    const open = this.open!;
    await segment.handle.truncate(open.offset);
    segment.size = open.offset;
    this.open = null;
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
    const header: SegmentHeader = {
      version: FORMAT_VERSION, firstSeq, createdAt: Date.now(), schema: this.schema, fingerprint: this.fingerprint,
      databaseId: this.identity.databaseId, storeId: this.identity.storeId,
    };
    const { file, size } = await createSegment(this.dir, header);
    this.active = { file, handle: await fsp.open(file, "r+"), size, fingerprint: this.fingerprint };
  }
}
