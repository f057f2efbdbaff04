/**
 * Where a restore's rows go: one interface for the writers (rowSinkFor.ts
 * picks one per target). Every sink gives the same rows, applies changes in
 * journal order, and fails alike: an update or a delete must hit exactly one
 * row.
 */
import type { Row, TableSchema } from "../db/types";
import type { RowChange } from "../journal/types";

export interface RowSink {
  /** Rows of a snapshot's table; may be held back (or a COPY kept open) until the next table, apply() or flush(). */
  insert(table: TableSchema, rows: Row[]): Promise<void>;
  /**
   * PostgreSQL's COPY sink only: rows of a snapshot's table as whole lines
   * of COPY text, columns in `table.columns` order, written as they are.
   */
  insertCopyText?(table: TableSchema, text: Buffer): Promise<void>;
  /** One replayed change of transaction `seq`; may be held back until flush(). */
  apply(table: TableSchema, change: RowChange, seq: number): Promise<void>;
  /** Writes whatever insert() or apply() held back; afterwards the connection is free for any statement. */
  flush(): Promise<void>;
  /**
   * After a failure: drops whatever is held back and frees the connection
   * (an open COPY would keep the caller's ROLLBACK waiting forever). Never
   * throws; the caller's transaction undoes what was written.
   */
  abandon(): Promise<void>;
}
