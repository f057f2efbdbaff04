/**
 * Replayed changes, written a table's batch at a time: a statement per row
 * costs a round trip each, which bounds a replay to a few thousand rows a
 * second. Changes of one table are collected while they have the same op
 * and touch different keys; a change that breaks the run writes the table's
 * batch first, so every table sees its changes in journal order. Batches of
 * different tables may be written in another order than the journal's,
 * which changes nothing: foreign keys and triggers are off during a load,
 * and no other constraint spans tables.
 * - inserts: one multi-row INSERT;
 * - updates and deletes: one UPDATE … FROM (VALUES …) or DELETE … WHERE key
 *   IN (VALUES …) inside a savepoint, which must hit exactly as many rows as
 *   there are changes. Anything else (a row missing, a unique constraint
 *   meeting a transient value) rolls back to the savepoint and replays the
 *   batch row by row, which either succeeds or names the change that fails
 *   (rowWriter.applyChange).
 */
import type { QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import type { Op, RowChange } from "../journal/types";
import { keyOf, type Row, type TableSchema } from "../db/types";
import { applyChange, insertRows } from "./rowWriter";
import type { RowSink } from "./rowSink";
import { describeRow } from "./messages";
import { MAX_PARAMS, Params, quoteIdent as q } from "../db/sql";
import { unnestDelete, unnestFits, unnestInsert, unnestUpdate } from "./pgUnnest";
import { type Engine } from "../db/types";

const MAX_ROWS = 1000;
/** Rows of a PostgreSQL batch bound as one array per column (pgUnnest.ts): its parameters do not grow with it. */
const MAX_UNNEST_ROWS = 5000;
/** Below this, a savepoint and its release cost more round trips than they save. */
const MIN_BATCH = 4;

interface Pending {
  table: TableSchema;
  op: Op;
  changes: { change: RowChange; seq: number }[];
  keys: Set<string>;
}

export class ReplayWriter implements RowSink {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly runner: QueryRunner, private readonly engine: Engine) {}

  /** A snapshot's rows: multi-row INSERTs at once (a load comes before any change). */
  insert(table: TableSchema, rows: Row[]): Promise<void> {
    return insertRows(this.runner, this.engine, table, rows);
  }

  async apply(table: TableSchema, change: RowChange, seq: number): Promise<void> {
    const keys = [change.key, change.after && keyOf(change.after, table)].filter((k): k is Row => k !== null).map(describeRow);
    let batch = this.pending.get(table.name);
    if (batch && (batch.op !== change.op || keys.some((k) => batch!.keys.has(k)) || batch.changes.length >= this.limit(table))) {
      await this.write(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { table, op: change.op, changes: [], keys: new Set() };
      this.pending.set(table.name, batch);
    }
    batch.changes.push({ change, seq });
    for (const k of keys) batch.keys.add(k);
  }

  /** Writes every pending batch. */
  async flush(): Promise<void> {
    for (const batch of [...this.pending.values()]) await this.write(batch);
  }

  /** Pending batches are dropped: the transaction they belong to is being rolled back. */
  async abandon(): Promise<void> {
    this.pending.clear();
  }

  private limit(table: TableSchema): number {
    if (this.unnest(table)) return MAX_UNNEST_ROWS;
    // An UPDATE binds the old key and every column per row.
    return Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS[this.engine] / (table.columns.length + table.primaryKey.length))));
  }

  private async write(batch: Pending): Promise<void> {
    this.pending.delete(batch.table.name);
    const { table, op, changes } = batch;
    if (op === "insert") return this.insertChanges(table, changes);
    if (changes.length < MIN_BATCH || !keyedByValues(table, this.engine)) return this.oneByOne(table, changes);
    await this.runner.query("SAVEPOINT stocktake_replay");
    let hit = -1;
    try {
      const { sql, params } = this.statement(table, op, changes.map((c) => c.change));
      const result = await this.runner.query(sql, params, true) as { affected?: number | null };
      hit = result.affected ?? -1;
    } catch {
      hit = -1; // a constraint met a value in between: row by row finds out
    }
    if (hit === changes.length) {
      await this.runner.query("RELEASE SAVEPOINT stocktake_replay");
      return;
    }
    await this.runner.query("ROLLBACK TO SAVEPOINT stocktake_replay");
    await this.runner.query("RELEASE SAVEPOINT stocktake_replay");
    await this.oneByOne(table, changes);
  }

  private async insertChanges(table: TableSchema, changes: Pending["changes"]): Promise<void> {
    try {
      const rows = changes.map((c) => c.change.after as Row);
      if (this.unnest(table)) {
        const { sql, params } = unnestInsert(table, rows);
        await this.runner.query(sql, params);
      } else await insertRows(this.runner, this.engine, table, rows);
    } catch (error) {
      if (error instanceof BackupError) throw error;
      const first = changes[0].seq;
      const last = changes[changes.length - 1].seq;
      throw new BackupError("SCHEMA_MISMATCH",
        `${first === last ? `seq ${first}` : `seqs ${first}..${last}`}: replaying ${changes.length} insert(s) into "${table.name}" failed: ${(error as Error).message}`,
        "the target does not hold the state the journal continues from: restore from the snapshot the journal follows");
    }
  }

  private unnest(table: TableSchema): boolean {
    return this.engine === "postgres" && unnestFits(table);
  }

  /** One statement for a batch of updates or deletes that hit distinct keys. */
  private statement(table: TableSchema, op: Op, changes: RowChange[]): { sql: string; params: unknown[] } {
    if (this.unnest(table)) return op === "update" ? unnestUpdate(table, changes) : unnestDelete(table, changes);
    const params = new Params(this.engine);
    const sql = op === "update" ? this.updateSql(table, changes, params) : this.deleteSql(table, changes, params);
    return { sql, params: params.values };
  }

  private async oneByOne(table: TableSchema, changes: Pending["changes"]): Promise<void> {
    for (const { change, seq } of changes) await applyChange(this.runner, this.engine, table, change, seq);
  }

  /** A key value typed for PostgreSQL: every canonical value binds as text or number, cast to the column's type. */
  private typed(table: TableSchema, column: string, placeholder: string): string {
    if (this.engine !== "postgres") return placeholder;
    return `${placeholder}::${table.columns.find((c) => c.name === column)!.type}`;
  }

  private valuesList(table: TableSchema, rows: Row[], columns: string[], params: Params): string {
    return rows.map((row) => `(${columns.map((c) => this.typed(table, c, params.add(row[c] ?? null))).join(", ")})`).join(", ");
  }

  private updateSql(table: TableSchema, changes: RowChange[], params: Params): string {
    const keyNames = table.primaryKey.map((_c, i) => `_k${i}`);
    const valueNames = table.columns.map((_c, i) => `_v${i}`);
    const rows = changes.map((c) => {
      const row: Row = {};
      table.primaryKey.forEach((k, i) => { row[keyNames[i]] = c.key[k]; });
      table.columns.forEach((col, i) => { row[valueNames[i]] = (c.after as Row)[col.name]; });
      return row;
    });
    const typedTable: TableSchema = {
      ...table,
      columns: [...table.primaryKey.map((k, i) => ({ ...table.columns.find((c) => c.name === k)!, name: keyNames[i] })),
        ...table.columns.map((c, i) => ({ ...c, name: valueNames[i] }))],
    };
    const values = this.valuesList(typedTable, rows, [...keyNames, ...valueNames], params);
    const names = [...keyNames, ...valueNames];
    // SQLite names VALUES columns column1, column2, …; PostgreSQL takes an alias list.
    const source = this.engine === "postgres"
      ? `(VALUES ${values}) AS _v(${names.map(q).join(", ")})`
      : `(SELECT ${names.map((n, i) => `column${i + 1} AS ${q(n)}`).join(", ")} FROM (VALUES ${values})) AS _v`;
    const set = table.columns.map((c, i) => `${q(c.name)} = _v.${q(valueNames[i])}`).join(", ");
    const where = table.primaryKey.map((k, i) => `${q(table.name)}.${q(k)} = _v.${q(keyNames[i])}`).join(" AND ");
    return `UPDATE ${q(table.name)} SET ${set} FROM ${source} WHERE ${where}`;
  }

  private deleteSql(table: TableSchema, changes: RowChange[], params: Params): string {
    const keys = table.primaryKey;
    const values = this.valuesList(table, changes.map((c) => c.key), keys, params);
    return `DELETE FROM ${q(table.name)} WHERE (${keys.map(q).join(", ")}) IN (VALUES ${values})`;
  }
}

/**
 * Whether keys can be matched as a list of values: not when a key column may
 * be NULL (a table keyed by all its columns), which `=` and IN never match,
 * nor a PostgreSQL json column, which has no equality.
 */
function keyedByValues(table: TableSchema, engine: Engine): boolean {
  return table.primaryKey.every((k) => {
    const column = table.columns.find((c) => c.name === k);
    return column !== undefined && !column.nullable && !(engine === "postgres" && /^json/.test(column.type));
  });
}
