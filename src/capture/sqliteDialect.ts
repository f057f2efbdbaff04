import { captureDdl } from "../schema/captureDdl";
import type { SchemaDdl } from "../schema/ddl";
import { DataSource, DataSourceOptions, QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import { ColumnSchema, ColumnValue, DatabaseSchema, Frame, Row, TableSchema, tableOf } from "../journal/types";
import { CaptureDialect, ConsistentReader } from "./dialect";
import { framesFromChanges } from "./outbox";
import { inReadTransaction } from "./readTransaction";
import { changeFromOutbox, OPS, OutboxChange, outboxOf, outboxSelectSql, outboxTableSql, OUTBOX_PREFIX, triggerName, triggerSql } from "./sqliteOutbox";
import { parseSqliteRowJson, quoteSqliteIdent as q, quoteSqliteString, rowFromNative, sqliteNativeRowSql, sqliteRowJsonSql } from "./sqliteValues";

/**
 * SQLite capture. For every captured table T a trigger copies each changed
 * row, natively typed (no encoding on the app's write path), into T's own
 * outbox table "_changelog_ob_T": the old and new value of every column,
 * stamped with the sequence number the transaction will get, head.seq + 1,
 * and total_changes() to keep the order of changes across tables.
 * SQLite has no commit trigger, so the plugin seals each transaction right
 * before COMMIT (sqliteTransactions.ts): head.seq moves on and a trigger on
 * the head records the commit time in _changelog_tx. Writers are serial in
 * SQLite, so this order is commit order. Rows of a commit that bypassed the
 * seal stay at head.seq + 1 and join the next sealed transaction: never
 * lost, at worst merged. An outbox table describes its own columns, so rows
 * captured before a schema change are read with the layout they were
 * captured with.
 */
const BASE_TABLES = [
  // dirty: the current transaction captured something (set by the triggers), so the seal is one cheap row check.
  "CREATE TABLE IF NOT EXISTS _changelog_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, at INTEGER NOT NULL, dirty INTEGER NOT NULL DEFAULT 0)",
  "INSERT OR IGNORE INTO _changelog_head (id, seq, at) VALUES (1, 0, 0)",
  "CREATE TABLE IF NOT EXISTS _changelog_tx (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
  // An UPDATE, unlike an INSERT, leaves last_insert_rowid() alone, so the
  // seal cannot disturb an app that reads it after its own insert.
  "CREATE TRIGGER IF NOT EXISTS _changelog_head_tx AFTER UPDATE OF seq ON _changelog_head " +
    "BEGIN INSERT INTO _changelog_tx (seq, at) VALUES (NEW.seq, NEW.at); END",
];

interface TableInfoRow { name: string; type: string; notnull: number; pk: number }

export class SqliteDialect implements CaptureDialect {
  readonly engine = "sqlite" as const;
  private schema: DatabaseSchema | null = null;
  private prepared = false;
  /** Columns of each outbox table, as the table itself declares them. */
  private layouts = new Map<string, string[]>();

  /**
   * @param writer the app's DataSource: DDL, seal and prune go through its
   *   single connection, so they never wait for a lock the app holds.
   * @param reader a second connection to the same file (WAL mode), so that
   *   reads see only committed rows even while the app is mid-transaction.
   */
  constructor(private readonly writer: DataSource, private readonly reader: DataSource) {}

  /** The database file, null in memory: for a reader of its own outside TypeORM (the fast snapshot, src/snapshot/sqliteFast.ts). */
  get databaseFile(): string | null {
    if (this.reader === this.writer) return null;
    return (this.reader.options as { database?: string }).database ?? null;
  }

  async readSchema(tables: string[]): Promise<DatabaseSchema> {
    const result: TableSchema[] = [];
    for (const name of tables) {
      const info: TableInfoRow[] = await this.writer.query(`PRAGMA table_info(${q(name)})`);
      const columns: ColumnSchema[] = info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), nullable: c.notnull === 0 && c.pk === 0 }));
      const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      // A table without a declared key is still captured; its identity is its whole row.
      result.push({ name, columns, primaryKey: primaryKey.length ? primaryKey : columns.map((c) => c.name) });
    }
    return { engine: "sqlite", tables: result };
  }

  async prepare(schema: DatabaseSchema): Promise<void> {
    this.schema = schema;
    this.prepared = true;
    const mode: { journal_mode: string }[] = await this.writer.query("PRAGMA journal_mode");
    // WAL lets the shipper's reader connection read while the app writes.
    if (mode[0]?.journal_mode !== "wal" && this.reader !== this.writer) await this.writer.query("PRAGMA journal_mode = WAL");
    await this.inTransaction(BASE_TABLES);
    const head: { name: string }[] = await this.writer.query("PRAGMA table_info(_changelog_head)");
    if (!head.some((c) => c.name === "dirty")) {
      // A head made before the dirty flag existed; the triggers are remade by install().
      await this.writer.query("ALTER TABLE _changelog_head ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0");
    }
    await this.loadLayouts();
  }

  async install(schema: DatabaseSchema): Promise<void> {
    if (!this.prepared) await this.prepare(schema);
    this.schema = schema;
    const statements: string[] = [];
    const wanted = new Set(schema.tables.map((t) => t.name));
    for (const [table, columns] of this.layouts) {
      const current = schema.tables.find((t) => t.name === table)?.columns.map((c) => c.name);
      // Emptied by the drain before install; a new layout needs a new outbox.
      if (!current || current.join("\u0000") !== columns.join("\u0000")) statements.push(`DROP TABLE ${q(outboxOf(table))}`);
      if (!wanted.has(table)) statements.push(...OPS.map((o) => `DROP TRIGGER IF EXISTS ${q(triggerName(table, o.op))}`));
    }
    for (const table of schema.tables) {
      const columns = table.columns.map((c) => c.name);
      const layout = this.layouts.get(table.name);
      if (!layout || layout.join("\u0000") !== columns.join("\u0000")) statements.push(outboxTableSql(table.name, columns));
      statements.push(`CREATE INDEX IF NOT EXISTS ${q(`${outboxOf(table.name)}_seq`)} ON ${q(outboxOf(table.name))} (_seq)`);
      statements.push(...triggerSql(table.name, columns));
    }
    await this.inTransaction(statements);
    await this.loadLayouts();
  }

  /** The seal, run in the same driver call as COMMIT; a no-op when the transaction captured nothing. */
  sealSql(now: number): string {
    // Kept tiny: SQLite prepares it again at every commit.
    return `UPDATE _changelog_head SET seq = seq + 1, at = max(at, ${Math.floor(now)}), dirty = 0 WHERE dirty = 1`;
  }

  async sealOrphans(): Promise<void> {
    await this.writer.query(this.sealSql(Date.now()));
  }

  async readCommitted(afterSeq: number, limit: number): Promise<Frame[]> {
    const commits: { seq: number; at: number }[] = await this.reader.query(
      "SELECT seq, at FROM _changelog_tx WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit]);
    if (commits.length === 0 || this.layouts.size === 0) return [];
    const upTo = commits[commits.length - 1].seq;
    const at = new Map(commits.map((c) => [c.seq, c.at]));
    // Which outbox tables hold rows of these transactions, then one small
    // query for each of those: a single UNION ALL reading them all is a
    // statement so large that preparing it costs more than running it.
    const probes = [...this.layouts.keys()].map((t) =>
      `SELECT ${quoteSqliteString(t)} AS t WHERE EXISTS (SELECT 1 FROM ${q(outboxOf(t))} WHERE _seq > ? AND _seq <= ?)`);
    const dirty: { t: string }[] = await this.reader.query(probes.join(" UNION ALL "), probes.flatMap(() => [afterSeq, upTo]));
    const changes: OutboxChange[] = [];
    for (const { t: table } of dirty) {
      const columns = this.layouts.get(table) as string[];
      const rows: Record<string, unknown>[] = await this.reader.query(outboxSelectSql(table, columns), [afterSeq, upTo]);
      for (const row of rows) changes.push(changeFromOutbox(table, columns, row));
    }
    changes.sort((a, b) => a.seq - b.seq || a.ord - b.ord || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) || a.rid - b.rid);
    return framesFromChanges(changes.map((c) => ({ ...c, at: at.get(c.seq) ?? 0 })), this.requireSchema());
  }

  async headSeq(): Promise<number> {
    const rows: { seq: number }[] = await this.writer.query("SELECT seq FROM _changelog_head");
    return Number(rows[0]?.seq ?? 0);
  }

  async firstUnshippedSeq(): Promise<number> {
    const rows: { seq: number | null }[] = await this.writer.query(
      "SELECT coalesce((SELECT min(seq) FROM _changelog_tx), (SELECT seq + 1 FROM _changelog_head)) AS seq");
    return Number(rows[0]?.seq ?? 1);
  }

  async advanceHead(seq: number): Promise<void> {
    // Moving seq fires the head trigger, which records a commit that has no rows: drop it.
    await this.writer.query("UPDATE _changelog_head SET seq = ? WHERE seq < ?", [seq, seq]);
    await this.writer.query("DELETE FROM _changelog_tx WHERE seq = ?", [seq]);
  }

  async prune(seq: number): Promise<void> {
    for (const table of this.layouts.keys()) await this.writer.query(`DELETE FROM ${q(outboxOf(table))} WHERE _seq <= ?`, [seq]);
    await this.writer.query("DELETE FROM _changelog_tx WHERE seq <= ?", [seq]);
  }

  captureDdl(tables: string[]): Promise<SchemaDdl> {
    return captureDdl(this.writer, tables);
  }

  async dumpTable(table: string): Promise<Row[]> {
    const t = this.requireSchema().tables.find((x) => x.name === table);
    if (!t) throw new Error(`table ${table} is not captured`);
    const rows: { r: string }[] = await this.reader.query(
      `SELECT ${sqliteRowJsonSql("t", t.columns.map((c) => c.name))} AS r FROM ${q(table)} AS t ORDER BY ${t.primaryKey.map(q).join(", ")}`);
    return rows.map((x) => parseSqliteRowJson(x.r));
  }

  async readConsistent<T>(fn: (reader: ConsistentReader) => Promise<T>, schema: DatabaseSchema = this.requireSchema()): Promise<T> {
    if (this.reader === this.writer) {
      throw new BackupError("BAD_INPUT", "an in-memory SQLite database has no second connection to read a consistent snapshot from",
        "snapshot a database file (WAL mode lets the snapshot read while the app writes)");
    }
    // A connection of its own, not the shipper's reader: a read transaction
    // there would freeze the shipper's view, and flush() would miss commits
    // made while the snapshot runs.
    const connection = await new DataSource({
      ...this.reader.options, entities: [], subscribers: [], migrations: [], synchronize: false, migrationsRun: false, dropSchema: false,
    } as DataSourceOptions).initialize();
    const runner = connection.createQueryRunner();
    try {
      // In WAL mode the first read fixes what the transaction sees; the seal
      // moves head.seq in the same commit as the rows, so both agree.
      return await inReadTransaction(runner, "BEGIN", async () => {
        const head: { seq: number; at: number }[] = await runner.query("SELECT seq, at FROM _changelog_head");
        return fn({
          seq: Number(head[0]?.seq ?? 0),
          at: Number(head[0]?.at ?? 0),
          batches: (table, size) => this.keysetBatches(runner, schema, table, size),
        });
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
  private async *keysetBatches(runner: QueryRunner, schema: DatabaseSchema, table: string, size: number): AsyncGenerator<Row[]> {
    const t = tableOf(schema, table);
    const declared: { n: number }[] = await runner.query("SELECT count(*) AS n FROM pragma_table_info(?) WHERE pk > 0", [table]);
    const byRowid = Number(declared[0]?.n) === 0;
    const keys = byRowid ? ["t.rowid"] : t.primaryKey.map((c) => `t.${q(c)}`);
    const rowid = byRowid ? ", t.rowid AS _changelog_rowid" : "";
    const select = `SELECT ${sqliteNativeRowSql("t", t.columns.map((c) => c.name))}${rowid} FROM ${q(table)} AS t`;
    const limit = Math.max(1, Math.floor(size));
    const order = `ORDER BY ${keys.join(", ")} LIMIT ${limit}`;
    type Native = Record<string, unknown>;
    const fetch = (last: ColumnValue[] | null): Promise<Native[]> => {
      const where = last === null ? "" : `WHERE (${keys.join(", ")}) > (${last.map((v) => (typeof v === "bigint" ? "CAST(? AS INTEGER)" : "?")).join(", ")})`;
      const params = last === null ? [] : last.map((v) => (typeof v === "bigint" ? v.toString() : v));
      return runner.query(`${select} ${where} ${order}`, params);
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

  async close(): Promise<void> {
    if (this.reader !== this.writer && this.reader.isInitialized) await this.reader.destroy();
  }

  private async loadLayouts(): Promise<void> {
    const tables: { name: string }[] = await this.writer.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?", [OUTBOX_PREFIX.length, OUTBOX_PREFIX]);
    this.layouts = new Map();
    for (const { name } of tables) {
      const info: TableInfoRow[] = await this.writer.query(`PRAGMA table_info(${q(name)})`);
      const columns = info.map((c) => c.name).filter((c) => c.startsWith("o:")).map((c) => c.slice(2));
      this.layouts.set(name.slice(OUTBOX_PREFIX.length), columns);
    }
  }

  private async inTransaction(statements: string[]): Promise<void> {
    await this.writer.transaction(async (manager) => {
      for (const sql of statements) await manager.query(sql);
    });
  }

  private requireSchema(): DatabaseSchema {
    if (!this.schema) throw new Error("capture schema not installed");
    return this.schema;
  }
}
