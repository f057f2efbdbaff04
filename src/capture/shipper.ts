import { Frame } from "../journal/types";
import { CaptureDialect } from "./dialect";

/**
 * How soon committed transactions reach the journal file, and what a crash
 * can cost. The outbox rows live in the database, in the same transaction as
 * the change, so a crash of the app process never loses a change in any mode:
 * the next start ships what is left. The modes differ for the journal file:
 * - "commit": each commit is shipped at once and fsynced; the journal lags
 *   the database by one append. Most fsyncs, least lag.
 * - "group" (default): commits arriving within `groupWindowMs` share one
 *   append and one fsync. If the database file itself is lost, the journal
 *   misses at most that window.
 * - "off": appended without fsync; the journal is fsynced only before
 *   outbox rows are pruned. A power loss can cut the journal's unsynced
 *   tail; the next start ships those frames again from the outbox. If the
 *   database file is lost too, the journal misses up to `pruneEvery` frames.
 * In every mode outbox rows are deleted only after their frames are fsynced.
 */
export type Durability = "commit" | "group" | "off";

export interface JournalSink {
  readonly lastSeq: number;
  append(frames: readonly Frame[]): number | Promise<number>;
  sync(): void | Promise<void>;
}

export interface ShipperOptions {
  durability: Durability;
  groupWindowMs: number;
  /** Transactions read from the outbox per round. */
  batchFrames: number;
  /** A transaction of more changes than this is journaled as several frames (parts). */
  changesPerFrame: number;
  /** Frames are appended (one write call) once they hold this many changes: with changesPerFrame, bounds the shipper's memory. */
  changesPerAppend: number;
  /** Outbox rows are deleted once this many frames are safely in the journal. */
  pruneEvery: number;
}

export class Shipper {
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unpruned = 0;
  private stopped = false;

  constructor(
    private readonly dialect: CaptureDialect,
    private readonly journal: JournalSink,
    private readonly options: ShipperOptions,
    private readonly events: { shipped(): void; failed(error: unknown): void },
  ) {}

  /** A transaction committed: ship soon (now, or after the group window). */
  kick(): void {
    if (this.timer || this.stopped) return;
    const delay = this.options.durability === "commit" ? 0 : this.options.groupWindowMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ship().then(() => this.events.shipped(), (error: unknown) => this.events.failed(error));
    }, delay);
  }

  /** Resolves once every transaction committed before the call is in the journal and on disk. */
  async flush(): Promise<void> {
    await this.ship(true);
  }

  /** Ships and prunes everything; used at start-up and on close. */
  async drain(): Promise<void> {
    await this.ship(true);
    await this.pruneNow();
  }

  private ship(sync = false): Promise<void> {
    const next = this.running.then(() => this.shipAll(sync));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async shipAll(forceSync: boolean): Promise<void> {
    let appended = 0;
    const { batchFrames, changesPerFrame, changesPerAppend } = this.options;
    for (;;) {
      let batch: Frame[] = [];
      let changes = 0;
      let transactions = 0;
      const append = async () => {
        if (batch.length > 0) appended += await this.journal.append(batch);
        batch = [];
        changes = 0;
      };
      for await (const frame of this.dialect.committedFrames(this.journal.lastSeq, { transactions: batchFrames, changesPerFrame })) {
        batch.push(frame);
        changes += frame.changes.length;
        if (!frame.more) transactions++;
        if (changes >= changesPerAppend) await append();
      }
      await append();
      if (transactions < batchFrames) break;
    }
    if (forceSync || (appended > 0 && this.options.durability !== "off")) await this.journal.sync();
    this.unpruned += appended;
    if (this.unpruned >= this.options.pruneEvery) await this.pruneNow();
  }

  private async pruneNow(): Promise<void> {
    if (this.journal.lastSeq === 0) return;
    await this.journal.sync();
    await this.dialect.prune(this.journal.lastSeq);
    this.unpruned = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
