/**
 * Taking a snapshot of a live database: every table, read inside one
 * consistent read (the reader's, or for a SQLite file a read-only
 * better-sqlite3 connection in a child process), streamed batch by batch into a
 * SnapshotWriter (I6) whose header carries the journal seq of that read, so
 * restore replays exactly the frames after it. The file is published whole
 * or not at all, then recorded in the store's manifest.
 */
import type { DatabaseSchema } from "../db/types";
import type { DatabaseReader } from "../reader/reader";
import { existingStore } from "../store";
import { addToManifest } from "./manifest";
import type { TakenSnapshot, TakeSnapshotOptions } from "./snapshotOptions";
import { snapshotSqliteFile } from "./sqliteFileSnapshot";
import { writeSnapshot } from "./writeSnapshot";

export type { SnapshotProgress, TakenSnapshot, TakeSnapshotOptions } from "./snapshotOptions";
export { writeSnapshot, type SnapshotSource } from "./writeSnapshot";

export async function takeSnapshot(
  reader: DatabaseReader,
  schema: DatabaseSchema,
  storeDir: string,
  options: TakeSnapshotOptions = {},
): Promise<TakenSnapshot> {
  const started = performance.now();
  existingStore(storeDir);
  // A SQLite file is read by better-sqlite3 in a process of its own
  // (sqliteFileSnapshot.ts), its rows packed in C where the native encoder loads
  // (nativeEncoder.ts): several times faster, and the app's event loop keeps
  // running meanwhile. PostgreSQL, an in-memory SQLite database, or a machine
  // where better-sqlite3 does not load: the reader's own consistent read.
  const file = reader.databaseFile();
  // The DDL lets a restore recreate the tables in a new database, with no entity classes.
  options = { ...options, ddl: options.ddl ?? await reader.captureDdl(schema.tables.map((t) => t.name)) };
  const taken = (file !== null ? await snapshotSqliteFile(file, schema, storeDir, options) : null)
    ?? await reader.readConsistent((view) => writeSnapshot(view, schema, storeDir, options), schema);
  await addToManifest(storeDir, taken.file);
  return { ...taken, ms: performance.now() - started };
}
