/**
 * A store and a database know each other, so that no command ever mixes two
 * databases (D1, D4). Each database the changelog is attached to has a
 * random id, kept in its plugin table _changelog_identity with the id of
 * the one store it ships its changes to. Each store has a random id and the
 * id of its database, in `<store>/store.json`, and again in every segment
 * and snapshot header (so a lost store.json is rebuilt from the files).
 *
 * Only the store a database belongs to ever ships or prunes its outbox: a
 * second store would take changes the first one needs. Another store may
 * still take snapshots of the database (a second backup disk), never its
 * changes. A store of one database refuses every other database.
 */
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { BackupError } from "./errors";
import { segmentHeaders } from "./journal/reader";
import { journalDir, listSegments } from "./journal/segment";
import { fsyncDir } from "./durable";
import { readRegularText } from "./regularFile";

export const STORE_FILE = "store.json";
/** A store.json is a few hundred bytes: a bigger one is refused unread. */
const MAX_STORE_FILE_BYTES = 1 << 20;

/** What the database says of itself (null when the changelog was never attached to it). */
export interface DatabaseIdentity {
  databaseId: string;
  /** The store it ships its changes to; null until the first store claims it. */
  storeId: string | null;
  /** Where that store was last seen, for messages. */
  storePath: string | null;
}

export interface StoreIdentity {
  storeId: string;
  /** Null in a store that only ever held snapshots of databases without an identity. */
  databaseId: string | null;
  /**
   * Set when an operator accepted that transactions before this seq are lost
   * from the journal for good (backup --accept-gap): the journal goes on at
   * this seq, after a hole that restores cannot cross.
   */
  journalResumesAt?: number | null;
}

interface StoreFile extends StoreIdentity {
  format: "stocktake-backup store";
  version: 1;
  createdAt: string;
}

/** The store's identity: store.json, else the newest segment header that carries one; null for a new store. */
export async function readStoreIdentity(store: string): Promise<StoreIdentity | null> {
  const file = join(store, STORE_FILE);
  let text: string | null = null;
  try {
    text = await readRegularText(file, MAX_STORE_FILE_BYTES); // a symlink planted as store.json is refused, not followed
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (text !== null) return parseStoreFile(file, text);
  // Newest first, one header at a time: a damaged segment elsewhere must not hide the store's identity.
  for (const ref of listSegments(journalDir(store)).reverse()) {
    let header;
    try {
      header = segmentHeaders(store, { fromSeq: ref.firstSeq, toSeq: ref.firstSeq })[0]?.header;
    } catch {
      continue;
    }
    if (typeof header?.storeId === "string") return { storeId: header.storeId, databaseId: header.databaseId ?? null };
  }
  return null;
}

function parseStoreFile(file: string, text: string): StoreIdentity {
  let value: Partial<StoreFile> | null = null;
  try {
    value = JSON.parse(text) as Partial<StoreFile>;
  } catch {
    value = null;
  }
  if (value === null || value.format !== "stocktake-backup store" || typeof value.storeId !== "string" ||
      (value.databaseId !== null && typeof value.databaseId !== "string")) {
    throw new BackupError("STORE_MISMATCH", `${file} is not a store identity file this program wrote`,
      "it names the database the store belongs to: restore it from a copy, or remove it to have it rebuilt from the journal's segment headers");
  }
  const resumes = (value as { journalResumesAt?: unknown }).journalResumesAt;
  return { storeId: value.storeId, databaseId: value.databaseId ?? null, journalResumesAt: typeof resumes === "number" ? resumes : null };
}

/**
 * Writes store.json atomically: a temp file linked into place, so a first
 * identity is never overwritten (resolves to the one that won a race), or
 * renamed over the old one with `replace`.
 */
async function createStoreIdentity(store: string, identity: StoreIdentity, replace = false): Promise<StoreIdentity> {
  const file = join(store, STORE_FILE);
  const body: StoreFile = { format: "stocktake-backup store", version: 1, ...identity, createdAt: new Date().toISOString() };
  const temp = `${file}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const fh = await fs.open(temp, "wx", 0o600);
  try {
    await fh.writeFile(JSON.stringify(body, null, 2) + "\n");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (replace) await fs.rename(temp, file);
    else await fs.link(temp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return parseStoreFile(file, await readRegularText(file, MAX_STORE_FILE_BYTES)); // another process made it first
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDir(store);
  return identity;
}

const short = (id: string | null) => (id === null ? "none" : id.slice(0, 8));

function otherDatabase(store: string, storeDb: string | null, db: string | null): BackupError {
  return new BackupError("STORE_MISMATCH",
    `store ${store} holds the backups of database ${short(storeDb)}; this is ${db === null ? "a database without a changelog identity" : `database ${short(db)}`}`,
    "use the store of this database (--dir, $BACKUP_DIR), or a new empty directory for it");
}

/** Refuses a file (snapshot or segment) of another database than the store's. */
export function requireSameDatabase(what: string, fileDb: string | null | undefined, store: string, storeDb: string | null | undefined): void {
  if (fileDb && storeDb && fileDb !== storeDb) {
    throw new BackupError("STORE_MISMATCH", `${what} is of database ${short(fileDb)}, but store ${store} holds database ${short(storeDb)}`,
      "a store holds one database: use the snapshot's own store (--dir), or a snapshot of this store");
  }
}

export type Claim =
  /** The store is the database's: it ships and prunes. `bound`: it was claimed just now (the database had no store). */
  | { mode: "ship"; store: StoreIdentity; bound: boolean }
  /** The database ships to another store: this one may take snapshots, never changes. */
  | { mode: "snapshot-only"; store: StoreIdentity | null; shipsTo: { storeId: string; path: string | null } | null };

/**
 * How `database` may use `store`, claiming them for each other when the
 * database has no store yet. `wantShip`: attaching (shipping), rather than a
 * snapshot. Throws STORE_MISMATCH for a store of another database, and when
 * shipping is wanted from a database that ships elsewhere.
 */
export async function claimStore(store: string, database: DatabaseIdentity | null, wantShip: boolean,
  bind: (storeId: string) => Promise<void>): Promise<Claim> {
  let identity = await refuseForeign(store, database, wantShip);
  if (database === null) return { mode: "snapshot-only", store: identity, shipsTo: null };
  if (database.storeId !== null && database.storeId !== identity?.storeId) {
    identity ??= await createStoreIdentity(store, { storeId: randomUUID(), databaseId: database.databaseId });
    return { mode: "snapshot-only", store: identity, shipsTo: { storeId: database.storeId, path: database.storePath } };
  }
  if (identity === null) identity = await createStoreIdentity(store, { storeId: randomUUID(), databaseId: database.databaseId });
  else if (identity.databaseId === null) {
    // A store of identity-less snapshots (or of an older version) becomes this database's.
    identity = await createStoreIdentity(store, { ...identity, databaseId: database.databaseId }, true);
  }
  const bound = database.storeId === null;
  if (bound || database.storePath !== store) await bind(identity.storeId);
  return { mode: "ship", store: identity, bound };
}

/**
 * The refusals of claimStore, writing nothing, so a caller can ask before it
 * creates anything in the store: a store of another database; shipping
 * wanted from a database that ships to another store. Resolves to the
 * store's identity (null for a new store).
 */
export async function refuseForeign(store: string, database: DatabaseIdentity | null, wantShip: boolean): Promise<StoreIdentity | null> {
  const identity = await readStoreIdentity(store);
  if (identity?.databaseId && identity.databaseId !== database?.databaseId) throw otherDatabase(store, identity.databaseId, database?.databaseId ?? null);
  if (wantShip && database !== null && database.storeId !== null && database.storeId !== identity?.storeId) {
    throw new BackupError("STORE_MISMATCH",
      `database ${short(database.databaseId)} ships its changes to store ${short(database.storeId)}${database.storePath ? ` (${database.storePath})` : ""}, not to ${store}`,
      "a second store would take changes the first one needs: use that store; if it is lost for good, move the database to this one " +
      "with `stocktake-backup backup --move-store --dir " + store + "`");
  }
  return identity;
}

/** Records that the journal goes on at `seq` after lost transactions (see StoreIdentity.journalResumesAt). */
export async function acceptJournalGap(store: string, identity: StoreIdentity, seq: number): Promise<void> {
  await createStoreIdentity(store, { ...identity, journalResumesAt: seq }, true);
}

/** Moves the database to `store` (its old store being lost for good): the next claim ships here. */
export async function moveStore(store: string, database: DatabaseIdentity, bind: (storeId: string) => Promise<void>): Promise<StoreIdentity> {
  const identity = await readStoreIdentity(store);
  if (identity?.databaseId && identity.databaseId !== database.databaseId) throw otherDatabase(store, identity.databaseId, database.databaseId);
  const mine = identity ?? await createStoreIdentity(store, { storeId: randomUUID(), databaseId: database.databaseId });
  await bind(mine.storeId);
  return mine;
}
