/**
 * What a backup command works on (the CLI, the old API): a database reached by URL alone (no entity classes:
 * its tables are read from the catalog, so any schema works) and a backup
 * store that must already exist.
 */
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "./attach";
import { existingStore } from "./store";
import { engineOf, openDatabase } from "./db/connect";
import { readDatabaseIdentity } from "./capture/identityTable";
import { claimStore, type DatabaseIdentity, refuseForeign } from "./storeIdentity";
import { hasCapture, listUserTables } from "./db/catalog";
import { BackupError } from "./errors";
import { DatabaseSchema } from "./db/types";
import { takeSnapshot, TakenSnapshot, TakeSnapshotOptions } from "./snapshot/take";
import { createReader } from "./reader";

export interface BackupSourceOptions {
  /** A database URL (`postgres://…`, `file:./x.db`) or SQLite path; default $DATABASE_URL, else the app's ormconfig. */
  db?: string;
  /** The backup store; default $BACKUP_DIR, else ./snapshots. It must exist. */
  dir?: string;
  /** An initialised DataSource to use instead of `db`; left open by close(). */
  dataSource?: DataSource;
  /** Install the change capture in a database the changelog was never attached to (D17: never without asking). */
  install?: boolean;
  /** Make this store the database's store (its old one is lost for good). */
  moveStore?: boolean;
  /** Go on after transactions lost from the store for good (attachChangelog's acceptJournalGap). */
  acceptGap?: boolean;
}

export interface BackupSource {
  readonly dataSource: DataSource;
  readonly dir: string;
  readonly schema: DatabaseSchema;
  /**
   * False when this command does not ship the database's changes into the
   * store: another process (the running app) holds the store's journal, the
   * database ships to another store, or the changelog was never attached.
   * Snapshots need no journal; `why` says which.
   */
  readonly shipping: boolean;
  readonly why: string | null;
  snapshot(options?: TakeSnapshotOptions): Promise<TakenSnapshot>;
  close(): Promise<void>;
}

/**
 * Connects and, where this store is the database's, attaches the changelog
 * to every user table, so commands work with any schema. A database the
 * changelog was never attached to is left as it is (no tables, triggers or
 * WAL switch) unless `install` asks for capture: its snapshot is its own
 * state. When the running app holds the store's journal, or the database
 * ships to another store, snapshots are taken without shipping.
 */
export async function openBackupSource(options: BackupSourceOptions): Promise<BackupSource> {
  const dir = existingStore(options.dir);
  const dataSource = options.dataSource ?? (await openDatabase(options.db));
  const owned = options.dataSource === undefined;
  const release = async () => { if (owned && dataSource.isInitialized) await dataSource.destroy(); };
  try {
    const tables = await listUserTables(dataSource);
    if (tables.length === 0) {
      throw new BackupError("NOT_FOUND", "the database has no tables to back up", "check --db or DATABASE_URL, and that the app's migrations ran");
    }
    const engine = engineOf(dataSource);
    const attached = await hasCapture(dataSource, engine);
    if (!attached && !options.install) {
      if (options.moveStore || options.acceptGap) {
        throw new BackupError("BAD_USAGE", "the changelog was never attached to this database", "attach the app (attachChangelog), or pass --install");
      }
      return await snapshotsOnly(dataSource, dir, tables, null, "the changelog was never attached to this database; taking a snapshot of its own state " +
        "(--install captures its changes from now on)", release);
    }
    let changelog: Changelog | null = null;
    try {
      const claimed = await claimForCli(dataSource, dir, options);
      if (claimed !== null) return await snapshotsOnly(dataSource, dir, tables, claimed.database, claimed.why, release);
      changelog = await attachChangelog(dataSource, { dir, tables, requireStore: true, acceptJournalGap: options.acceptGap, moveStore: options.moveStore });
    } catch (error) {
      if (!(error instanceof BackupError && error.code === "JOURNAL_LOCKED")) throw error;
      const database = await readDatabaseIdentity(dataSource, engine);
      return await snapshotsOnly(dataSource, dir, tables, database,
        "the store's journal is held by another process (the running app, or another backup), which ships it; taking the snapshot without it", release);
    }
    const attachedChangelog = changelog;
    return {
      dataSource, dir, schema: attachedChangelog.schema, shipping: true, why: null,
      snapshot: (o) => attachedChangelog.snapshot(o),
      close: async () => { try { await attachedChangelog.close(); } finally { await release(); } },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Whether this command may ship into the store, asked without writing to the
 * database (the running app may hold its write lock): null when it may
 * (attachChangelog then checks again, under the journal's lock); else why
 * not, and the database's identity. Throws for a store of another database.
 */
async function claimForCli(dataSource: DataSource, dir: string, options: BackupSourceOptions): Promise<{ database: DatabaseIdentity | null; why: string } | null> {
  const database = await readDatabaseIdentity(dataSource, engineOf(dataSource));
  if (options.moveStore) return null; // attachChangelog moves it, and checks the store is not another database's
  const store = await refuseForeign(dir, database, false);
  if (database === null || database.storeId === null || database.storeId === store?.storeId) return null;
  const elsewhere = `store ${database.storeId.slice(0, 8)}${database.storePath ? ` (${database.storePath})` : ""}`;
  return { database, why: `this database ships its changes to ${elsewhere}; ${dir} takes its snapshot, never its changes (--move-store makes it the database's store)` };
}

/** Snapshots read in one consistent read, writing nothing to the database. */
async function snapshotsOnly(dataSource: DataSource, dir: string, tables: string[], database: DatabaseIdentity | null, why: string,
  release: () => Promise<void>): Promise<BackupSource> {
  const reader = createReader(dataSource);
  let schema: DatabaseSchema;
  let storeId: string | null;
  try {
    schema = await reader.readSchema(tables);
    // Refuses a store of another database; for one without an identity, writes nothing into the store.
    storeId = (await claimStore(dir, database, false, async () => undefined)).store?.storeId ?? null;
  } catch (error) {
    await release();
    throw error;
  }
  const identity = { databaseId: database?.databaseId ?? null, storeId };
  return {
    dataSource, dir, schema, shipping: false, why,
    snapshot: (o) => takeSnapshot(reader, schema, dir, { ...o, identity }),
    close: release,
  };
}
