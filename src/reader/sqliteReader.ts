/**
 * Reading a SQLite database for snapshots and verify: a connection of its
 * own for each consistent read (in WAL mode the first read fixes what the
 * transaction sees), pages by key.
 */
import { DataSource, DataSourceOptions, QueryRunner } from "typeorm";
import { parseSqliteRowJson, rowFromNative, sqliteNativeRowSql, sqliteRowJsonSql } from "../capture/sqliteJson";
import { bareOptions } from "../db/connect";
import { quoteIdent as q } from "../db/sql";
import { type ColumnValue, type DatabaseSchema, type Row, tableOf } from "../db/types";
import { BackupError } from "../errors";
import { inReadTransaction } from "./readTransaction";
import { CatalogReader } from "./catalogReader";
import type { ConsistentReader, DatabaseReader } from "./reader";

export class SqliteReader extends CatalogReader implements DatabaseReader {
  readonly engine = "sqlite" as const;

  databaseFile(): string | null {
    const file = (this.db.options as { database?: string }).database;
    return file === undefined || file === ":memory:" || file === "" ? null : file;
  }

  async dumpTable(table: string): Promise<Row[]> {
    const [t] = (await this.readSchema([table])).tables;
    const rows: { r: string }[] = await this.db.query(
      `SELECT ${sqliteRowJsonSql("t", t.columns.map((c) => c.name))} AS r FROM ${q(table)} AS t ORDER BY ${t.primaryKey.map(q).join(", ")}`);
    return rows.map((x) => parseSqliteRowJson(x.r));
  }

  async readConsistent<T>(fn: (view: ConsistentReader) => Promise<T>, schema: DatabaseSchema): Promise<T> {
    if (this.databaseFile() === null) {
      throw new BackupError("BAD_INPUT", "an in-memory SQLite database has no second connection to read a consistent snapshot from",
        "snapshot a database file (WAL mode lets the snapshot read while the app writes)");
    }
    // A connection of its own, not the shipper's reader: a read transaction
    // there would freeze the shipper's view, and flush() would miss commits
    // made while the snapshot runs.
    const connection = await new DataSource(bareOptions({ type: this.db.options.type, database: this.databaseFile(), busyTimeout: 5000 } as DataSourceOptions)).initialize();
    const runner = connection.createQueryRunner();
    try {
      // In WAL mode the first read fixes what the transaction sees; the seal
      // moves head.seq in the same commit as the rows, so both agree.
      return await inReadTransaction(runner, "BEGIN", async () => {
        return fn(await this.consistentView(runner, schema));
      });
    } finally {
      await runner.release();
      await connection.destroy();
    }
  }

  /**
   * Pages by primary key: `WHERE (pk) > (last pk) ORDER BY pk LIMIT n`. A
   * table without a declared key pages by rowid (its whole row need not be
   * unique). Values come as the driver reads them (sqliteNativeRowSql), which
   * is their canonical form; a big integer key is bound as text and cast,
   * never rounded through a JavaScript number.
   */
  protected async *keysetBatches(runner: QueryRunner, schema: DatabaseSchema, table: string, size: number, where?: string): AsyncGenerator<Row[]> {
    const t = tableOf(schema, table);
    const declared: { n: number }[] = await runner.query("SELECT count(*) AS n FROM pragma_table_info(?) WHERE pk > 0", [table]);
    const byRowid = Number(declared[0]?.n) === 0;
    const keys = byRowid ? ["_cl.rowid"] : t.primaryKey.map((c) => `_cl.${q(c)}`);
    const rowid = byRowid ? ", _cl.rowid AS _changelog_rowid" : "";
    const select = `SELECT ${sqliteNativeRowSql("_cl", t.columns.map((c) => c.name))}${rowid} FROM ${q(table)} AS _cl`;
    const limit = Math.max(1, Math.floor(size));
    const order = `ORDER BY ${keys.join(", ")} LIMIT ${limit}`;
    type Native = Record<string, unknown>;
    const fetch = (last: ColumnValue[] | null): Promise<Native[]> => {
      const conditions = [
        ...(where === undefined ? [] : [`(${where})`]),
        ...(last === null ? [] : [`(${keys.join(", ")}) > (${last.map((v) => (typeof v === "bigint" ? "CAST(? AS INTEGER)" : "?")).join(", ")})`]),
      ];
      const params = last === null ? [] : last.map((v) => (typeof v === "bigint" ? v.toString() : v));
      return runner.query(`${select} ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""} ${order}`, params);
    };
    // The next page is read while this one is converted and written: at most two pages in memory.
    let next: Promise<Native[]> | null = fetch(null);
    try {
      while (next !== null) {
        const page: Native[] = await next;
        next = null;
        if (page.length === 0) return;
        const rowids = byRowid ? page.map((r) => { const id = r._changelog_rowid as number; delete r._changelog_rowid; return id; }) : [];
        const rows = page.map(rowFromNative);
        const last: ColumnValue[] = byRowid ? [rowids[rowids.length - 1]] : t.primaryKey.map((c) => rows[rows.length - 1][c]);
        // A NULL key compares as unknown, so paging past it would silently skip rows.
        if (last.includes(null)) {
          throw new BackupError("SCHEMA_MISMATCH", `table "${table}" has a row with NULL in its primary key (${t.primaryKey.join(", ")})`,
            "SQLite allows NULL in non-integer primary keys; give those rows a key value before taking a snapshot");
        }
        if (page.length === limit) next = fetch(last);
        yield rows;
      }
    } finally {
      await next?.catch(() => undefined); // a consumer that stops early must not leave a query running
    }
  }
}
