import { QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import { Frame, RowChange } from "../journal/types";
import { ColumnValue, Row, TableSchema } from "../db/types";
import { describeRow, schemaMismatch } from "./messages";
import { MAX_PARAMS, Params, quoteIdent as q } from "../db/sql";
import { Engine } from "../db/types";

/**
 * Writes canonical rows (see src/capture/) into a database through a
 * QueryRunner, for any schema: no entity classes, database-level column names.
 * Values bind as they are: on PostgreSQL the canonical text goes to the
 * server, which parses it for the column's type (that is why it is the text
 * form); on SQLite the stored value binds directly.
 *
 * Statements must start with "INSERT ", "UPDATE " or "DELETE ": TypeORM's
 * sqlite runner only reports affected rows for statements that begin so.
 */

/** A value for every column of the table and nothing else: a missing or extra column is data lost. */
export function valuesOf(table: TableSchema, row: Row): ColumnValue[] {
  const values = table.columns.map((c) => {
    const value = row[c.name];
    if (value === undefined) throw schemaMismatch(`a row for "${table.name}" has no column "${c.name}": ${describeRow(row)}`);
    return value;
  });
  if (Object.keys(row).length !== values.length) {
    const extra = Object.keys(row).filter((name) => !table.columns.some((c) => c.name === name));
    throw schemaMismatch(`a row for "${table.name}" has columns the table lacks: ${extra.join(", ")}`);
  }
  return values;
}

/**
 * Multi-row INSERTs, as many rows per statement as the engine's parameter
 * limit allows. The caller owns the transaction.
 */
export async function insertRows(runner: QueryRunner, engine: Engine, table: TableSchema, rows: Row[]): Promise<void> {
  const columns = table.columns.map((c) => q(c.name)).join(", ");
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS[engine] / table.columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const params = new Params(engine);
    const tuples = rows.slice(start, start + perStatement)
      .map((row) => `(${valuesOf(table, row).map((v) => params.add(v)).join(", ")})`);
    await runner.query(`INSERT INTO ${q(table.name)} (${columns}) VALUES ${tuples.join(", ")}`, params.values);
  }
}

/** WHERE clause matching the row whose primary key is `key`. */
function whereKey(engine: Engine, table: TableSchema, key: Row, params: Params): string {
  return table.primaryKey.map((name) => {
    const value = key[name];
    if (value === undefined) throw schemaMismatch(`a change to "${table.name}" has no value for key column "${name}": ${describeRow(key)}`);
    // A table without a declared key is keyed by all its columns, which may be NULL.
    if (value === null) return `${q(name)} IS NULL`;
    // json has no equality operator on PostgreSQL; its canonical form is its exact text.
    const type = table.columns.find((c) => c.name === name)?.type;
    const column = engine === "postgres" && type === "json" ? `${q(name)}::text` : q(name);
    return `${column} = ${params.add(value)}`;
  }).join(" AND ");
}

async function affected(runner: QueryRunner, sql: string, params: Params): Promise<number> {
  const result = await runner.query(sql, params.values, true) as { affected?: number | null };
  return result.affected ?? -1;
}

/**
 * Replays one captured change. An update or a delete must hit exactly one
 * row: zero or two means the target is not in the state the journal was
 * captured from, and carrying on would diverge silently. The count is known
 * only after the statement ran, so run inside a transaction that the caller
 * rolls back on error (loadWithForeignKeysOff does).
 * @param seq the frame's sequence number, for the error message.
 */
export async function applyChange(runner: QueryRunner, engine: Engine, table: TableSchema, change: RowChange, seq?: number): Promise<void> {
  const where = `seq ${seq ?? "?"}: ${change.op} of "${table.name}" key ${describeRow(change.key)}`;
  if (change.op === "insert") {
    if (!change.after) throw new BackupError("INTERNAL", `${where} has no after-image`);
    await insertRows(runner, engine, table, [change.after]);
    return;
  }
  const params = new Params(engine);
  let sql: string;
  if (change.op === "update") {
    if (!change.after) throw new BackupError("INTERNAL", `${where} has no after-image`);
    const values = valuesOf(table, change.after);
    const set = table.columns.map((c, i) => `${q(c.name)} = ${params.add(values[i])}`).join(", ");
    sql = `UPDATE ${q(table.name)} SET ${set} WHERE ${whereKey(engine, table, change.key, params)}`;
  } else {
    sql = `DELETE FROM ${q(table.name)} WHERE ${whereKey(engine, table, change.key, params)}`;
  }
  const count = await affected(runner, sql, params);
  if (count !== 1) {
    throw new BackupError("SCHEMA_MISMATCH", `${where} matched ${count} rows, expected exactly 1`,
      "the target does not hold the state the journal continues from: restore from the snapshot the journal follows");
  }
}

/** Replays every change of one committed transaction, in order; `tables` is the target's schema. */
export async function applyFrame(runner: QueryRunner, engine: Engine, tables: TableSchema[], frame: Frame): Promise<void> {
  for (const change of frame.changes) {
    const table = tables.find((t) => t.name === change.table);
    if (!table) throw schemaMismatch(`seq ${frame.seq}: a change to table "${change.table}", which the schema does not have`);
    await applyChange(runner, engine, table, change, frame.seq);
  }
}
