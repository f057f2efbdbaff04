import type { Engine } from "../db/types";
import type { DatabaseSchema } from "../db/types";
import type { Frame } from "../journal/types";
import type { DatabaseIdentity } from "../storeIdentity";
import type { ReadLimits } from "./outbox";

/**
 * What capture needs from a database engine, and nothing else: the plugin's
 * own tables, the triggers, the seal, the outbox and the head. Everything
 * engine-specific of capture (trigger SQL, value encoding) lives behind this
 * interface, so the shipper, the journal and replay are the same for every
 * engine. Reading the database for other ends (the catalog, DDL, consistent
 * reads for snapshots) is src/reader/.
 */
export interface CaptureDialect {
  readonly engine: Engine;
  /**
   * Creates the plugin's own tables if missing (head, commits, outbox,
   * identity) and learns what the outbox holds; touches no app table.
   * Enough for reading and shipping.
   */
  preparePluginTables(schema: DatabaseSchema): Promise<void>;
  /**
   * Creates or updates the capture triggers of the schema's tables; run after
   * the outbox was drained, since an outbox may change shape with its table.
   */
  installTriggers(schema: DatabaseSchema, options?: InstallOptions): Promise<void>;
  /** The database's id and the store it ships to (preparePluginTables makes them); null before. */
  identity(): Promise<DatabaseIdentity | null>;
  /** Records the store the database ships to from now on. */
  bindStore(storeId: string, storePath: string): Promise<void>;
  /**
   * Seals rows that were committed without a sequence number (SQLite: a
   * commit that bypassed the plugin's hook). A no-op where the database seals.
   */
  sealOrphans(): Promise<void>;
  /**
   * Committed transactions with seq > afterSeq, in order, at most
   * `limits.transactions` of them, streamed as frames: one per transaction,
   * or several parts for one of more than `limits.changesPerFrame` changes.
   * Memory holds a page of the outbox, not a transaction (I6).
   */
  committedFrames(afterSeq: number, limits: ReadLimits): AsyncGenerator<Frame>;
  /** How many committed transactions after `afterSeq` wait in the outbox. */
  pendingTransactions(afterSeq: number): Promise<number>;
  /** The sequence number of the last committed transaction, as the database knows it. */
  headSeq(): Promise<number>;
  /** The first sequence number still waiting in the outbox, else head + 1. */
  firstUnshippedSeq(): Promise<number>;
  /**
   * Moves the database's sequence forward to `seq` when it is behind the
   * journal (the database was restored from an older copy, or lost its last
   * commits): new transactions must never reuse a number the journal holds.
   */
  advanceHead(seq: number): Promise<void>;
  /** Deletes outbox rows of transactions up to and including `seq`. */
  prune(seq: number): Promise<void>;
  close(): Promise<void>;
}

export interface InstallOptions {
  /**
   * Leave a table whose columns changed alone while its outbox still holds
   * rows of the old layout (they could not be shipped: the store is not
   * writable): remaking the outbox would drop them. Its capture is brought
   * up to date by the next install, after the drain.
   */
  keepFilledOutboxes?: boolean;
}
