/**
 * Reading a PostgreSQL database for snapshots and verify: one REPEATABLE
 * READ, READ ONLY transaction for each consistent read, pages by key, or a
 * table's COPY text for a snapshot.
 */
import { QueryRunner } from "typeorm";
import { parsePgRow } from "../capture/pgRecord";
import { hasCapture } from "../db/catalog";
import { quoteIdent } from "../db/sql";
import { type DatabaseSchema, type Row, tableOf } from "../db/types";
import { copyOut } from "./postgresCopyOut";
import { inReadTransaction } from "./readTransaction";
import { CatalogReader } from "./catalogReader";
import type { ConsistentReader, DatabaseReader } from "./reader";

export class PostgresReader extends CatalogReader implements DatabaseReader {
  readonly engine = "postgres" as const;

  databaseFile(): string | null {
    return null;
  }

  async dumpTable(table: string): Promise<Row[]> {
    const [t] = (await this.readSchema([table])).tables;
    const rows: { r: string }[] = await this.db.query(
      `SELECT _cl::text AS r FROM ${quoteIdent(table)} AS _cl ORDER BY ${t.primaryKey.map((c) => `_cl.${quoteIdent(c)}`).join(", ")}`);
    return rows.map((x) => parsePgRow(x.r, t));
  }

  async readConsistent<T>(fn: (view: ConsistentReader) => Promise<T>, schema: DatabaseSchema): Promise<T> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      // One MVCC snapshot for every statement: the head and the rows show the
      // same set of committed transactions. Committers queue on the head's
      // row lock, so a visible seq means every earlier seq is visible too.
      // A database the changelog was never attached to has no head: its snapshot is at seq 0. Asked
      // before the transaction: its first statement fixes the snapshot, and must come after LOCK.
      const hasHead = await hasCapture(runner, "postgres");
      return await inReadTransaction(runner, "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", async () => {
        // TRUNCATE is not MVCC-safe: a snapshot that began before a concurrent
        // TRUNCATE committed sees the table empty. Locking the tables before
        // the first SELECT (LOCK takes no snapshot) makes TRUNCATE and DDL wait.
        const tables = schema.tables.map((t) => quoteIdent(t.name));
        await runner.query(`LOCK TABLE ${[...tables, ...(hasHead ? ["_changelog_head"] : [])].join(", ")} IN ACCESS SHARE MODE`);
        const view = await this.consistentView(runner, schema);
        return fn({ ...view, copyText: (table) => this.copyText(runner, schema, table) });
      });
    } finally {
      await runner.release();
    }
  }

  private async *copyText(runner: QueryRunner, schema: DatabaseSchema, table: string): AsyncGenerator<Buffer> {
    yield* copyOut(runner, tableOf(schema, table), await hasPrimaryKey(runner, table));
  }

  /**
   * Pages by primary key: `WHERE (pk) > (last pk) ORDER BY pk LIMIT n`, the
   * last key bound as its text and cast back to the column's type. A table
   * without a primary key pages by ctid, which is stable inside the snapshot.
   */
  protected async *keysetBatches(runner: QueryRunner, schema: DatabaseSchema, table: string, size: number, where?: string): AsyncGenerator<Row[]> {
    const t = tableOf(schema, table);
    const keys = await hasPrimaryKey(runner, table)
      ? t.primaryKey.map((c) => ({ sql: `_cl.${quoteIdent(c)}`, type: t.columns.find((x) => x.name === c)?.type ?? "text" }))
      : [{ sql: "_cl.ctid", type: "tid" }];
    const limit = Math.max(1, Math.floor(size));
    const select = `SELECT _cl::text AS r, ${keys.map((k, i) => `${k.sql}::text AS k${i}`).join(", ")} FROM ${quoteIdent(table)} AS _cl`;
    const order = `ORDER BY ${keys.map((k) => k.sql).join(", ")} LIMIT ${limit}`;
    const fetch = (last: (string | null)[] | null): Promise<Record<string, string | null>[]> => {
      const conditions = [
        ...(where === undefined ? [] : [`(${where})`]),
        ...(last === null ? [] : [`(${keys.map((k) => k.sql).join(", ")}) > (${keys.map((k, i) => `$${i + 1}::${k.type}`).join(", ")})`]),
      ];
      return runner.query(`${select} ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""} ${order}`, last ?? []);
    };
    // The next page is read while this one is parsed and written: at most two pages in memory.
    let next: Promise<Record<string, string | null>[]> | null = fetch(null);
    try {
      while (next !== null) {
        const page: Record<string, string | null>[] = await next;
        next = null;
        if (page.length === 0) return;
        const end = page[page.length - 1];
        if (page.length === limit) next = fetch(keys.map((_k, i) => end[`k${i}`]));
        yield page.map((x) => parsePgRow(x.r as string, t));
      }
    } finally {
      await next?.catch(() => undefined); // a consumer that stops early must not leave a query running
    }
  }
}

/** Whether `table` has a declared primary key (a schema's `primaryKey` otherwise names every column). */
async function hasPrimaryKey(runner: QueryRunner, table: string): Promise<boolean> {
  const declared: { keyed: boolean }[] = await runner.query(
    "SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = $1::regclass AND indisprimary) AS keyed", [quoteIdent(table)]);
  return declared[0]?.keyed === true;
}
