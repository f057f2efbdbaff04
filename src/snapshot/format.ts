/**
 * The layout of a snapshot file (FORMAT.md): constants and the types of the
 * header and trailer. Writer and reader both take their numbers from here.
 */
import type { DatabaseSchema, Engine } from "../db/types";
import type { SchemaDdl } from "../schema/ddl";

export const MAGIC = Buffer.from("STKSNAP1", "latin1");
/** Files whose rows are all msgpack rows blocks. */
export const FORMAT_VERSION = 1;
/** Files that may also hold COPY rows blocks (PostgreSQL snapshots): a reader of version 1 refuses them by their header, not as damage. */
export const COPY_FORMAT_VERSION = 2;
export const READABLE_VERSIONS: readonly number[] = [FORMAT_VERSION, COPY_FORMAT_VERSION];
/** magic (8) + u32 header length + u32 crc32 of the header payload */
export const PREFIX_BYTES = 16;
/** u32 body length + u32 crc32 of (type byte + body) + u8 type */
export const BLOCK_HEADER_BYTES = 9;
/** u64 trailer offset + magic (8) */
export const FOOTER_BYTES = 16;

/** copyRows: whole lines of PostgreSQL's COPY text, columns in the header schema's order (FORMAT.md). */
export const BlockType = { tableStart: 1, rows: 2, tableEnd: 3, trailer: 4, copyRows: 5 } as const;
export type BlockType = (typeof BlockType)[keyof typeof BlockType];

/** `imported`: rows of an old JSON backup (src/importJson/), at no journal position (seq 0, no database id), so never replayed on. */
export const SNAPSHOT_KINDS = ["manual", "daily", "weekly", "monthly", "safety", "imported"] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/** The msgpack payload after the magic. */
export interface SnapshotHeader {
  version: typeof FORMAT_VERSION | typeof COPY_FORMAT_VERSION;
  kind: SnapshotKind;
  name: string;
  /** When the snapshot was taken, milliseconds since the Unix epoch. */
  createdAt: number;
  /** Journal sequence number the table data is consistent with (0: before any frame). */
  seq: number;
  engine: Engine;
  /** Column order of every table's row arrays. */
  schema: DatabaseSchema;
  /** schemaFingerprint(schema) */
  fingerprint: string;
  /**
   * How to create the tables in a new database (src/schema/). Optional: files
   * written before it existed lack it, and a restore then needs the tables to exist.
   */
  ddl?: SchemaDdl;
  /** The database the rows are of (src/storeIdentity.ts); absent or null in files of databases without an identity. */
  databaseId?: string | null;
  /** The store the snapshot was written into. */
  storeId?: string | null;
}

/** What the caller of SnapshotWriter.create says; version, engine and fingerprint follow from it. */
export type NewSnapshotHeader = Pick<SnapshotHeader, "kind" | "name" | "createdAt" | "seq" | "schema" | "ddl" | "databaseId" | "storeId">;

export interface TableSummary {
  name: string;
  rows: number;
  /** sha256 (hex) over the decompressed bodies of the table's rows blocks (msgpack rows or COPY text), in file order. */
  digest: string;
  /** File offset of the table-start block, so a reader can seek to one table. */
  offset: number;
}

/** The payload of the trailer block: tables in file order. */
export interface SnapshotTrailer {
  tables: TableSummary[];
  rows: number;
}
