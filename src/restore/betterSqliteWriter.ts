/**
 * Rows and replayed changes written to a SQLite target through
 * better-sqlite3 prepared statements, a statement per row: synchronous, a
 * few microseconds each, so no batching is needed (node-sqlite3 costs an
 * async round trip and a stack trace per statement, which is why
 * ReplayWriter batches). Runs on the connection, and inside the
 * transaction, that the restore's TypeORM runner opened: a target opened
 * with TypeORM's "better-sqlite3" driver (target.ts) shares its Database.
 *
 * Same results as rowWriter/ReplayWriter: changes apply in journal order,
 * an update or a delete must hit exactly one row, values bind exactly.
 */
import type { Database, Statement } from "better-sqlite3";
import type { QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import type { RowChange } from "../journal/types";
import type { ColumnValue, Row, TableSchema } from "../db/types";
import { valuesOf } from "./rowWriter";
import type { RowSink } from "./rowSink";
import { describeRow, schemaMismatch } from "./messages";
import { quoteIdent as q } from "../db/sql";

/** The runner's better-sqlite3 Database, when the target was opened with that driver; else null. */
export function betterSqliteOf(runner: QueryRunner): Database | null {
  if (runner.connection.options.type !== "better-sqlite3") return null;
  return (runner.connection.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/**
 * better-sqlite3 binds every JS number as REAL, which a column without
 * affinity keeps as 1.0: an integral number binds as a BigInt (INTEGER), as
 * node-sqlite3 and rowWriter's CAST do; -0 stays REAL, as it does there.
 */
function bindable(value: ColumnValue): unknown {
  return typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0) ? BigInt(value) : value;
}

interface Statements {
  columns: string[];
  where: string;
  insert: Statement;
  delete: Statement;
  /** By the columns an update sets ("1" or "0" per column): few shapes recur. */
  updates: Map<string, Statement>;
}

function same(a: ColumnValue | undefined, b: ColumnValue | undefined): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return Object.is(a, b);
}

export class BetterSqliteWriter implements RowSink {
  private readonly statements = new Map<string, Statements>();

  constructor(private readonly db: Database) {}

  private prepared(table: TableSchema): Statements {
    let s = this.statements.get(table.name);
    if (!s) {
      const columns = table.columns.map((c) => q(c.name));
      // A table without a declared key is keyed by all its columns, which may be NULL: IS matches NULL, = does not.
      const where = table.primaryKey.map((k) => `${q(k)} ${table.columns.find((c) => c.name === k)?.nullable === false ? "=" : "IS"} ?`).join(" AND ");
      s = {
        columns, where, updates: new Map(),
        insert: this.db.prepare(`INSERT INTO ${q(table.name)} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`),
        delete: this.db.prepare(`DELETE FROM ${q(table.name)} WHERE ${where}`),
      };
      this.statements.set(table.name, s);
    }
    return s;
  }

  /** A snapshot row; errors are the driver's, as insertRows lets them through. */
  async insert(table: TableSchema, rows: Row[]): Promise<void> {
    const insert = this.prepared(table).insert;
    for (const row of rows) insert.run(valuesOf(table, row).map(bindable));
  }

  async flush(): Promise<void> {
    // Nothing is held back: every change is written when it is applied.
  }

  async abandon(): Promise<void> {
    // Nothing is held back, and nothing keeps the connection busy.
  }

  /** One replayed change, failing as ReplayWriter does (the message names the seq). */
  async apply(table: TableSchema, change: RowChange, seq: number): Promise<void> {
    const s = this.prepared(table);
    // Built only on failure: describing every key costs as much as writing it.
    const where = () => `seq ${seq}: ${change.op} of "${table.name}" key ${describeRow(change.key)}`;
    if (change.op === "insert") {
      if (!change.after) throw new BackupError("INTERNAL", `${where()} has no after-image`);
      const values = valuesOf(table, change.after).map(bindable);
      try {
        s.insert.run(values);
      } catch (error) {
        throw new BackupError("SCHEMA_MISMATCH", `seq ${seq}: replaying 1 insert(s) into "${table.name}" failed: ${(error as Error).message}`,
          "the target does not hold the state the journal continues from: restore from the snapshot the journal follows");
      }
      return;
    }
    const key = table.primaryKey.map((name) => {
      const value = change.key[name];
      if (value === undefined) throw schemaMismatch(`a change to "${table.name}" has no value for key column "${name}": ${describeRow(change.key)}`);
      return bindable(value);
    });
    let count: number;
    if (change.op === "update") {
      if (!change.after) throw new BackupError("INTERNAL", `${where()} has no after-image`);
      const values = valuesOf(table, change.after);
      // Only the columns that changed: SQLite rewrites every index on a column the SET names, and the
      // row itself when it names the key. The rest already hold the before-image's values.
      const before = change.before;
      let shape = "";
      const bound: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        const changed = !before || !same(before[table.columns[i].name], values[i]);
        shape += changed ? "1" : "0";
        if (changed) bound.push(bindable(values[i]));
      }
      let update = s.updates.get(shape);
      if (!update) {
        const assignments = s.columns.filter((_c, i) => shape[i] === "1").map((c) => `${c} = ?`);
        // Nothing changed still has to find exactly one row.
        const sql = assignments.length > 0 ? `UPDATE ${q(table.name)} SET ${assignments.join(", ")} WHERE ${s.where}` : `UPDATE ${q(table.name)} SET ${q(table.primaryKey[0])} = ${q(table.primaryKey[0])} WHERE ${s.where}`;
        update = this.db.prepare(sql);
        s.updates.set(shape, update);
      }
      for (const k of key) bound.push(k);
      count = update.run(bound).changes;
    } else {
      count = s.delete.run(key).changes;
    }
    if (count !== 1) {
      throw new BackupError("SCHEMA_MISMATCH", `${where()} matched ${count} rows, expected exactly 1`,
        "the target does not hold the state the journal continues from: restore from the snapshot the journal follows");
    }
  }
}
