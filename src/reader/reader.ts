/**
 * Reading a database as it is, for what is not capture: its catalog, the DDL
 * of its tables, and one consistent view of every table in key order (what
 * a snapshot, a restore's safety snapshot and verify read). Capture's own
 * bookkeeping is the capture dialect's (src/capture/dialect.ts); a reader
 * for a database comes from createReader (reader/index.ts).
 */
import type { DatabaseSchema, Engine, Row } from "../db/types";
import type { SchemaDdl } from "../schema/ddl";

export interface DatabaseReader {
  readonly engine: Engine;
  /** Tables, columns and primary keys of the given tables, from the catalog. */
  readSchema(tables: string[]): Promise<DatabaseSchema>;
  /** The tables' DDL as a description, so a snapshot can recreate them in a new database. */
  captureDdl(tables: string[]): Promise<SchemaDdl>;
  /** Every row of a table in canonical form, ordered by primary key. */
  dumpTable(table: string): Promise<Row[]>;
  /**
   * Runs `fn` inside one read transaction on a connection of its own: the
   * head's seq and every table's rows come from the same committed state, so
   * a snapshot is exactly the state after transaction `seq` however much the
   * app writes meanwhile. Writes nothing to the database.
   */
  readConsistent<T>(fn: (view: ConsistentReader) => Promise<T>, schema: DatabaseSchema): Promise<T>;
  /**
   * The file a SQLite database lives in (null in memory, and on PostgreSQL):
   * a snapshot reads such a file in a process of its own, faster, off the
   * app's event loop (src/snapshot/sqliteFileSnapshot.ts).
   */
  databaseFile(): string | null;
}

/** One consistent view of the database (see readConsistent). */
export interface ConsistentReader {
  /** Sequence number of the last transaction the view holds (0: none yet, or no capture). */
  readonly seq: number;
  /** Commit time of that transaction, ms since the epoch (0: none yet). */
  readonly at: number;
  /**
   * Rows of a table in the canonical form of dumpTable, in primary key
   * order, at most `size` per batch: read by keyset pagination, so memory
   * does not grow with the table (I6). `where`: only the rows this SQL
   * condition holds for, the row's table named `_cl` in it (an integrity
   * rule asks the database for the few rows it needs: integrity/rule.ts).
   */
  batches(table: string, size: number, where?: string): AsyncIterable<Row[]>;
  /**
   * PostgreSQL only: every row of a table as COPY text (db/copyText.ts),
   * columns in the schema's order, rows as batches() orders them, in chunks
   * that may end inside a row. A snapshot stores it as it comes.
   */
  copyText?(table: string): AsyncIterable<Buffer>;
}
