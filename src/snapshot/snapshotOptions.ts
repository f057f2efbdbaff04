/** What a caller asks of a snapshot, and what it gets: the types takeSnapshot and both of its sources share. */
import type { FileIdentity } from "../db/types";
import type { SchemaDdl } from "../schema/ddl";
import type { SnapshotKind } from "./format";

export interface SnapshotProgress {
  /** The table being read. */
  table: string;
  /** Tables finished before this one. */
  tablesDone: number;
  tables: number;
  /** Rows written so far, all tables. */
  rows: number;
}

export interface TakeSnapshotOptions {
  /** Default "manual". */
  kind?: SnapshotKind;
  /** File name of a manual snapshot (sanitised); default backup-<time>. */
  name?: string;
  /** The date (YYYY-MM-DD) a scheduled kind is named by; default the UTC date it is taken (fileName.ts). */
  period?: string;
  /** Called as rows are written: after every batch (of a SQLite file: at each table, and at most every 50 ms). */
  onProgress?: (progress: SnapshotProgress) => void;
  /** Rows per query and per progress call; default 2000. */
  batchRows?: number;
  /** The tables' DDL (src/schema), so a restore into a new database can create them. */
  ddl?: SchemaDdl;
  /** The database and store written into the header (src/storeIdentity.ts); default none. */
  identity?: FileIdentity;
}

export interface TakenSnapshot {
  /** File name in the store. */
  file: string;
  path: string;
  /** The snapshot holds exactly the state after this journal sequence number. */
  seq: number;
  createdAt: number;
  rows: number;
  bytes: number;
  tables: { name: string; rows: number; digest: string }[];
  /** How long it took, milliseconds. */
  ms: number;
}
