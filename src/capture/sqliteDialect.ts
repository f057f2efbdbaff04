import { DataSource } from "typeorm";
import { ColumnSchema, DatabaseSchema, Frame, Row, TableSchema } from "../journal/types";
import { CaptureDialect } from "./dialect";
import { framesFromOutbox, OutboxRow } from "./outbox";
import { parseSqliteRowJson, quoteSqliteIdent as q, quoteSqliteString, sqliteRowJsonSql } from "./sqliteValues";

/**
 * SQLite capture. Triggers copy every changed row into _changelog_outbox,
 * stamped with the sequence number the transaction will get: head.seq + 1.
 * SQLite has no commit trigger, so the plugin seals each transaction right
 * before COMMIT (sqliteTransactions.ts): head.seq moves on and a trigger on
 * the head records the commit time in _changelog_tx. Writers are serial in
 * SQLite, so this order is commit order. Rows of a commit that bypassed the
 * seal stay at head.seq + 1 and join the next sealed transaction: never
 * lost, at worst merged.
 */
export function sqliteSealSql(now: number): string {
  return `UPDATE _changelog_head SET seq = seq + 1, at = max(at, ${Math.floor(now)}) ` +
    "WHERE EXISTS (SELECT 1 FROM _changelog_outbox WHERE seq = _changelog_head.seq + 1)";
}

const PLUGIN_TABLES = [
  "CREATE TABLE IF NOT EXISTS _changelog_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, at INTEGER NOT NULL)",
  "INSERT OR IGNORE INTO _changelog_head (id, seq, at) VALUES (1, 0, 0)",
  "CREATE TABLE IF NOT EXISTS _changelog_tx (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS _changelog_outbox (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, tbl TEXT NOT NULL, op TEXT NOT NULL, old TEXT, new TEXT)",
  "CREATE INDEX IF NOT EXISTS _changelog_outbox_seq ON _changelog_outbox (seq)",
  // An UPDATE, unlike an INSERT, leaves last_insert_rowid() alone, so the
  // seal cannot disturb an app that reads it after its own insert.
  "CREATE TRIGGER IF NOT EXISTS _changelog_head_tx AFTER UPDATE OF seq ON _changelog_head " +
    "BEGIN INSERT INTO _changelog_tx (seq, at) VALUES (NEW.seq, NEW.at); END",
];

const OPS = [
  { event: "INSERT", op: "I", old: false, new: true },
  { event: "UPDATE", op: "U", old: true, new: true },
  { event: "DELETE", op: "D", old: true, new: false },
] as const;

export function sqliteTriggerName(table: string, op: string): string {
  return `_changelog_${table}_${op}`;
}

function triggerSql(table: TableSchema): string[] {
  const columns = table.columns.map((c) => c.name);
  return OPS.flatMap((o) => {
    const name = q(sqliteTriggerName(table.name, o.op));
    const oldJson = o.old ? sqliteRowJsonSql("OLD", columns) : "NULL";
    const newJson = o.new ? sqliteRowJsonSql("NEW", columns) : "NULL";
    return [
      `DROP TRIGGER IF EXISTS ${name}`,
      `CREATE TRIGGER ${name} AFTER ${o.event} ON ${q(table.name)} BEGIN ` +
        `INSERT INTO _changelog_outbox (seq, tbl, op, old, new) VALUES (` +
        `(SELECT seq + 1 FROM _changelog_head), ${quoteSqliteString(table.name)}, '${o.op}', ${oldJson}, ${newJson}); END`,
    ];
  });
}

interface TableInfoRow { name: string; type: string; notnull: number; pk: number }

export class SqliteDialect implements CaptureDialect {
  readonly engine = "sqlite" as const;
  private schema: DatabaseSchema | null = null;

  /**
   * @param writer the app's DataSource: DDL, seal and prune go through its
   *   single connection, so they never wait for a lock the app holds.
   * @param reader a second connection to the same file (WAL mode), so that
   *   reads see only committed rows even while the app is mid-transaction.
   */
  constructor(private readonly writer: DataSource, private readonly reader: DataSource) {}

  async readSchema(tables: string[]): Promise<DatabaseSchema> {
    const result: TableSchema[] = [];
    for (const name of tables) {
      const info: TableInfoRow[] = await this.writer.query(`PRAGMA table_info(${q(name)})`);
      const columns: ColumnSchema[] = info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), nullable: c.notnull === 0 && c.pk === 0 }));
      const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      // A table without a declared key is still captured; rowid-less identity is its whole row.
      result.push({ name, columns, primaryKey: primaryKey.length ? primaryKey : columns.map((c) => c.name) });
    }
    return { engine: "sqlite", tables: result };
  }

  async install(schema: DatabaseSchema): Promise<void> {
    this.schema = schema;
    const mode: { journal_mode: string }[] = await this.writer.query("PRAGMA journal_mode");
    // WAL lets the shipper's reader connection read while the app writes.
    if (mode[0]?.journal_mode !== "wal" && this.reader !== this.writer) await this.writer.query("PRAGMA journal_mode = WAL");
    const statements = [...PLUGIN_TABLES, ...schema.tables.flatMap(triggerSql)];
    const runner = this.writer.createQueryRunner();
    await runner.startTransaction();
    try {
      for (const sql of statements) await runner.query(sql);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  async sealOrphans(): Promise<void> {
    await this.writer.query(sqliteSealSql(Date.now()));
  }

  async readCommitted(afterSeq: number, limit: number): Promise<Frame[]> {
    const last: { seq: number | null }[] = await this.reader.query(
      "SELECT max(seq) AS seq FROM (SELECT seq FROM _changelog_tx WHERE seq > ? ORDER BY seq LIMIT ?)", [afterSeq, limit]);
    const upTo = last[0]?.seq;
    if (upTo == null) return [];
    const rows: OutboxRow[] = await this.reader.query(
      "SELECT o.seq AS seq, t.at AS at, o.tbl AS tbl, o.op AS op, o.old AS old, o.new AS new " +
      "FROM _changelog_outbox o JOIN _changelog_tx t ON t.seq = o.seq WHERE o.seq > ? AND o.seq <= ? ORDER BY o.seq, o.id",
      [afterSeq, upTo]);
    return framesFromOutbox(rows, this.requireSchema(), (raw) => parseSqliteRowJson(raw));
  }

  async headSeq(): Promise<number> {
    const rows: { seq: number }[] = await this.writer.query("SELECT seq FROM _changelog_head");
    return Number(rows[0]?.seq ?? 0);
  }

  async firstUnshippedSeq(): Promise<number> {
    const rows: { seq: number | string | null }[] = await this.writer.query(
      "SELECT coalesce((SELECT min(seq) FROM _changelog_tx), (SELECT seq + 1 FROM _changelog_head)) AS seq");
    return Number(rows[0]?.seq ?? 1);
  }

  async advanceHead(seq: number): Promise<void> {
    // Direct update of seq would fire the head trigger and invent a transaction: drop rows it adds.
    await this.writer.query("UPDATE _changelog_head SET seq = ? WHERE seq < ?", [seq, seq]);
    await this.writer.query("DELETE FROM _changelog_tx WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM _changelog_outbox WHERE seq = ?)", [seq, seq]);
  }

  async prune(seq: number): Promise<void> {
    await this.writer.query("DELETE FROM _changelog_outbox WHERE seq <= ?", [seq]);
    await this.writer.query("DELETE FROM _changelog_tx WHERE seq <= ?", [seq]);
  }

  async dumpTable(table: string): Promise<Row[]> {
    const t = this.requireSchema().tables.find((x) => x.name === table);
    if (!t) throw new Error(`table ${table} is not captured`);
    const rows: { r: string }[] = await this.reader.query(
      `SELECT ${sqliteRowJsonSql("t", t.columns.map((c) => c.name))} AS r FROM ${q(table)} AS t ORDER BY ${t.primaryKey.map(q).join(", ")}`);
    return rows.map((x) => parseSqliteRowJson(x.r));
  }

  async close(): Promise<void> {
    if (this.reader !== this.writer && this.reader.isInitialized) await this.reader.destroy();
  }

  private requireSchema(): DatabaseSchema {
    if (!this.schema) throw new Error("capture schema not installed");
    return this.schema;
  }
}
