/**
 * Opening the store a database ships to, in the order that keeps every
 * invariant: the journal's lock first (a second writer stops there), then
 * the identities (only the database's own store ships its outbox), then
 * recovery (a tail is cut only if the outbox still holds it), then the
 * database's head and the journal's end are reconciled. Errors of the file
 * system say the store cannot be written now (DISK_FULL, READ_ONLY,
 * PERMISSION_DENIED, IO_ERROR): capture goes on into the outbox meanwhile
 * and shipping tries again later.
 */
import { BackupError } from "../errors";
import { asBackupError } from "../systemErrors";
import type { JournalLock } from "../journal/lock";
import { JournalWriter } from "../journal/writer";
import type { DatabaseSchema } from "../db/types";
import { acceptJournalGap, claimStore, type DatabaseIdentity, moveStore, readStoreIdentity, refuseForeign } from "../storeIdentity";
import type { CaptureDialect } from "./dialect";
import { lockJournal } from "../journal/lock";

export interface OpenStoreOptions {
  segmentBytes?: number;
  /** Go on after transactions that are lost from the store for good (see JournalWriter.skipTo). */
  acceptJournalGap?: boolean;
  /** Bind the database to this store first, whatever store it shipped to (ChangelogOptions.moveStore). */
  moveStore?: boolean;
  /** This process holds the database's shipping lease (PostgreSQL): a journal lock left on another host is stale. */
  leaseHeld?: boolean;
}

/** Errors of the store's disk: capture goes on into the outbox while they last, and shipping tries again. */
export const STORE_TROUBLE: ReadonlySet<string> = new Set(["DISK_FULL", "READ_ONLY", "PERMISSION_DENIED", "IO_ERROR"]);

/** A file-system error of the store as the BackupError of its kind (DISK_FULL, READ_ONLY, …), naming the store. Others pass unchanged. */
export function asStoreError(error: unknown, store: string): unknown {
  if (error instanceof BackupError) return error;
  return asBackupError(error, `store ${store} cannot be written`) ?? error;
}

/**
 * The journal's lock, taken before the database is touched (a second writer
 * stops here, and a store that is not the database's gets nothing made in
 * it, not even a journal folder).
 */
export async function lockStore(store: string, database: DatabaseIdentity | null, options: OpenStoreOptions = {}): Promise<JournalLock> {
  if (!options.moveStore) await refuseForeign(store, database, true);
  try {
    return await lockJournal(store, { otherHostsStale: options.leaseHeld });
  } catch (error) {
    throw asStoreError(error, store);
  }
}

export async function openStoreForShipping(store: string, dialect: CaptureDialect, schema: DatabaseSchema, options: OpenStoreOptions = {},
  taken?: JournalLock): Promise<JournalWriter> {
  const lock = taken ?? await lockStore(store, await dialect.identity(), options);
  let writer: JournalWriter | null = null;
  try {
    let database = await dialect.identity();
    if (database === null) throw new BackupError("INTERNAL", "the capture tables are not prepared");
    const bind = (storeId: string) => dialect.bindStore(storeId, store);
    const moved = options.moveStore === true && database.storeId !== (await readStoreIdentity(store))?.storeId;
    if (moved) {
      await moveStore(store, database, bind);
      database = (await dialect.identity())!;
    }
    const claim = await claimStore(store, database, true, bind);
    if (claim.mode !== "ship") throw new BackupError("INTERNAL", "claimStore gave no shipping claim");
    const identity = { databaseId: database.databaseId, storeId: claim.store.storeId };
    const reshippableFrom = await dialect.firstUnshippedSeq();
    writer = await JournalWriter.open(store, { schema, segmentBytes: options.segmentBytes, lock, reshippableFrom, identity });
    const head = await dialect.headSeq();
    if (head < writer.lastSeq) {
      process.stderr.write(`stocktake-backup: the database is behind the journal (seq ${head} < ${writer.lastSeq}); ` +
        "new transactions continue after the journal\n");
      await dialect.advanceHead(writer.lastSeq);
    } else if (writer.lastSeq + 1 < reshippableFrom) {
      const lost = `${writer.lastSeq + 1}..${reshippableFrom - 1}`;
      if (writer.lastSeq === 0 && (claim.bound || moved)) {
        // A new store for a database whose changelog is under way: start where the outbox starts.
        await writer.close();
        writer = await JournalWriter.open(store, { schema, segmentBytes: options.segmentBytes, firstSeq: reshippableFrom, identity });
      } else if (options.acceptJournalGap || claim.store.journalResumesAt === reshippableFrom) {
        // Accepted once, kept in store.json: until a frame is written after the hole, the journal alone cannot say so.
        if (claim.store.journalResumesAt !== reshippableFrom) {
          process.stderr.write(`stocktake-backup: seqs ${lost} are lost from the journal in ${store}; it goes on at seq ${reshippableFrom} as asked\n`);
          await acceptJournalGap(store, claim.store, reshippableFrom);
        }
        await writer.skipTo(reshippableFrom);
      } else {
        throw new BackupError("JOURNAL_GAP",
          `the journal in ${store} ends at seq ${writer.lastSeq}, but the database shipped and pruned transactions up to seq ${reshippableFrom - 1}: seqs ${lost} are lost from the store`,
          "restore the missing segment from a copy; or accept the loss with `stocktake-backup backup --accept-gap` (the journal goes on after the hole, " +
          "and a new snapshot makes the time after it restorable)");
      }
    }
    return writer;
  } catch (error) {
    if (writer) await writer.close().catch(() => undefined);
    else lock.release();
    throw asStoreError(error, store);
  }
}
