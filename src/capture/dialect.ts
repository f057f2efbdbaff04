import { DataSource } from "typeorm";
import { DatabaseSchema, Frame, Row } from "../journal/types";
import { BackupError } from "../errors";
import type { SchemaDdl } from "../schema/ddl";

/**
 * What capture needs from a database engine. Everything engine-specific
 * (trigger SQL, value encoding, the catalog) lives behind this interface, so
 * the shipper, the journal and replay are the same for every engine.
 */
export interface CaptureDialect {
  readonly engine: DatabaseSchema["engine"];
  /** Tables, columns and primary keys of the given tables, from the catalog. */
  readSchema(tables: string[]): Promise<DatabaseSchema>;
  /**
   * Creates the plugin's own tables if missing and learns what the outbox
   * holds; touches no app table. Enough for reading and shipping.
   */
  prepare(schema: DatabaseSchema): Promise<void>;
  /**
   * Creates or updates the capture triggers of the schema's tables; run after
   * the outbox was drained, since an outbox may change shape with its table.
   */
  install(schema: DatabaseSchema): Promise<void>;
  /**
   * Seals rows that were committed without a sequence number (SQLite: a
   * commit that bypassed the plugin's hook). A no-op where the database seals.
   */
  sealOrphans(): Promise<void>;
  /** Whole committed transactions with seq > afterSeq, in order, at most `limit`. */
  readCommitted(afterSeq: number, limit: number): Promise<Frame[]>;
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
  /** The tables' DDL, so a snapshot can recreate them in a new database. */
  captureDdl(tables: string[]): Promise<SchemaDdl>;
  /** Every row of a table in canonical form, ordered by primary key. */
  dumpTable(table: string): Promise<Row[]>;
  /**
   * Runs `fn` inside one read transaction on one connection of its own: the
   * head's seq and every table's rows come from the same committed state, so
   * a snapshot is exactly the state after transaction `seq` however much the
   * app writes meanwhile. `schema` names the tables to read (default: those
   * of prepare()); with it, no prepare() is needed, so a process that only
   * snapshots writes nothing to the database.
   */
  readConsistent<T>(fn: (reader: ConsistentReader) => Promise<T>, schema?: DatabaseSchema): Promise<T>;
  close(): Promise<void>;
}

/** One consistent view of the database (see readConsistent). */
export interface ConsistentReader {
  /** Sequence number of the last transaction the view holds (0: none yet). */
  readonly seq: number;
  /** Commit time of that transaction, ms since the epoch (0: none yet). */
  readonly at: number;
  /**
   * Rows of a captured table in the canonical form of dumpTable, in primary
   * key order, at most `size` per batch: read by keyset pagination, so memory
   * does not grow with the table (I6).
   */
  batches(table: string, size: number): AsyncIterable<Row[]>;
}

export const PLUGIN_TABLE_PREFIX = "_changelog_";

export function engineOf(dataSource: DataSource): DatabaseSchema["engine"] {
  const type = dataSource.options.type;
  if (type === "sqlite" || type === "better-sqlite3") return "sqlite";
  if (type === "postgres") return "postgres";
  throw new BackupError("BAD_INPUT", `unsupported TypeORM driver "${type}"`, "stocktake-backup supports the sqlite, better-sqlite3 and postgres drivers");
}
