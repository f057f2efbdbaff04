/**
 * Where a restore's rows go: one interface for the writers (rowSinkFor.ts
 * picks one per target). Every sink gives the same rows, applies changes in
 * journal order, and fails alike: an update or a delete must hit exactly one
 * row.
 */
import type { Row, TableSchema } from "../db/types";
import type { RowChange } from "../journal/types";

export interface RowSink {
  /** Rows of a snapshot's table. */
  insert(table: TableSchema, rows: Row[]): Promise<void>;
  /** One replayed change of transaction `seq`; may be held back until flush(). */
  apply(table: TableSchema, change: RowChange, seq: number): Promise<void>;
  /** Writes whatever apply() held back. */
  flush(): Promise<void>;
}
