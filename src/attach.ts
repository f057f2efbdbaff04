import path from "path";
import { DataSource } from "typeorm";
import { createDialect } from "./capture/createDialect";
import { CaptureDialect } from "./capture/dialect";
import { Durability, Shipper } from "./capture/shipper";
import { SqliteDialect } from "./capture/sqliteDialect";
import { sealSqliteTransactions } from "./capture/sqliteTransactions";
import { ChangelogSubscriber } from "./capture/subscriber";
import { entityTables } from "./capture/tables";
import { BackupError } from "./errors";
import { JournalWriter } from "./journal/writer";
import { DatabaseSchema } from "./journal/types";
import { takeSnapshot, TakenSnapshot, TakeSnapshotOptions } from "./snapshot/take";

export interface ChangelogOptions {
  /** The backup store; default env BACKUP_DIR, else ./snapshots. */
  dir?: string;
  /** See Durability; default "group". */
  durability?: Durability;
  /**
   * How long "group" durability waits to batch commits; default 1000 ms.
   * Each batch costs one fsync of the journal, and on one disk that fsync
   * slows the database's own commit fsyncs: fewer, larger batches keep the
   * app fast. The outbox holds the changes meanwhile; flush() does not wait.
   */
  groupWindowMs?: number;
  /** Tables to capture; default every entity and junction table of the DataSource. */
  tables?: string[];
  /** How often to look for commits made by other processes; default 1000 ms. */
  pollMs?: number;
  /** Journal segment size before rotation; default 64 MiB. */
  segmentBytes?: number;
  /** Called when shipping fails in the background; default: print to stderr. */
  onError?: (error: unknown) => void;
}

export interface Changelog {
  readonly dir: string;
  readonly schema: DatabaseSchema;
  /** Sequence number of the last transaction in the journal. */
  readonly lastSeq: number;
  /** Resolves once every change committed before the call is in the journal and on disk. */
  flush(): Promise<void>;
  /**
   * Flushes, then writes a snapshot of the captured tables into the store:
   * exactly the state after one transaction, taken while the app goes on writing.
   */
  snapshot(options?: TakeSnapshotOptions): Promise<TakenSnapshot>;
  /** Ships what is left, stops capture bookkeeping and releases the journal. */
  close(): Promise<void>;
}

export function resolveStoreDir(dir?: string): string {
  return path.resolve(dir ?? process.env.BACKUP_DIR ?? "snapshots");
}

/**
 * The one call an app makes at start-up, after dataSource.initialize().
 * Installs the capture in the database (idempotent; brings triggers up to
 * date with the tables' current columns), opens and recovers the journal,
 * ships changes a previous run committed but did not ship, and from then on
 * ships every commit.
 */
export async function attachChangelog(dataSource: DataSource, options: ChangelogOptions = {}): Promise<Changelog> {
  const dir = resolveStoreDir(options.dir);
  const dialect: CaptureDialect = await createDialect(dataSource);
  const tables = options.tables ?? entityTables(dataSource);
  const schema = await dialect.readSchema(tables);
  // The journal lock is taken before the database is touched: a second writer stops here.
  let writer = await JournalWriter.open(dir, { schema, segmentBytes: options.segmentBytes });
  const onError = options.onError ?? ((error: unknown) => process.stderr.write(`stocktake-backup: shipping failed: ${String(error)}\n`));
  const shipperOptions = { durability: options.durability ?? "group", groupWindowMs: options.groupWindowMs ?? 1000, batchFrames: 1000, pruneEvery: 1000 } as const;
  let shipper: Shipper;
  try {
    await dialect.prepare(schema);
    await dialect.sealOrphans();
    const head = await dialect.headSeq();
    if (head < writer.lastSeq) {
      process.stderr.write(`stocktake-backup: the database is behind the journal (seq ${head} < ${writer.lastSeq}); ` +
        "new transactions continue after the journal\n");
      await dialect.advanceHead(writer.lastSeq);
    } else if (writer.lastSeq === 0 && head > 0) {
      // A new store for a database whose changelog is under way: start where the outbox starts.
      await writer.close();
      writer = await JournalWriter.open(dir, { schema, segmentBytes: options.segmentBytes, firstSeq: await dialect.firstUnshippedSeq() });
    }
    // What a previous run committed but did not ship, read with the layout it was captured with.
    shipper = new Shipper(dialect, writer, shipperOptions, onError);
    await shipper.drain();
    await dialect.install(schema);
  } catch (error) {
    await writer.close();
    await dialect.close();
    throw error;
  }

  const subscriber = new ChangelogSubscriber(() => shipper.kick());
  dataSource.subscribers.push(subscriber);
  if (dialect instanceof SqliteDialect) sealSqliteTransactions(dataSource, (now) => dialect.sealSql(now), () => shipper.kick());
  const poll = setInterval(() => shipper.kick(), options.pollMs ?? 1000);
  poll.unref();

  let closed = false;
  return {
    dir,
    schema,
    get lastSeq() { return writer.lastSeq; },
    flush: () => shipper.flush(),
    async snapshot(snapshotOptions) {
      if (closed) throw new BackupError("BAD_USAGE", "snapshot() on a closed changelog");
      await shipper.flush();
      return takeSnapshot(dialect, schema, dir, snapshotOptions);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      const index = dataSource.subscribers.indexOf(subscriber);
      if (index >= 0) dataSource.subscribers.splice(index, 1);
      await shipper.stop();
      try {
        if (dataSource.isInitialized) await shipper.drain();
      } finally {
        await writer.close();
        await dialect.close();
      }
    },
  };
}
