import { quoteIdent as q, quoteLiteral } from "../db/sql";
import { DataSource } from "typeorm";
import { Frame } from "../journal/types";
import { DatabaseSchema } from "../db/types";
import { CaptureDialect, InstallOptions } from "./dialect";
import type { DatabaseIdentity } from "../storeIdentity";
import { bindDatabaseToStore, identityTableSql, readDatabaseIdentity } from "./identityTable";
import { framesFromChanges, type ReadLimits } from "./outbox";
import { committedChanges } from "./sqliteCommitted";
import { OPS, outboxIndexSql, outboxOf, outboxTableSql, OUTBOX_PREFIX, triggerName, triggerSql } from "./sqliteOutbox";

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




  async preparePluginTables(schema: DatabaseSchema): Promise<void> {
    this.schema = schema;
    this.prepared = true;
    const mode: { journal_mode: string }[] = await this.writer.query("PRAGMA journal_mode");
    // WAL lets the shipper's reader connection read while the app writes.
    if (mode[0]?.journal_mode !== "wal" && this.reader !== this.writer) await this.writer.query("PRAGMA journal_mode = WAL");
    await this.inTransaction([...BASE_TABLES, ...identityTableSql("sqlite")]);
    const head: { name: string }[] = await this.writer.query("PRAGMA table_info(_changelog_head)");
    if (!head.some((c) => c.name === "dirty")) {
      // A head made before the dirty flag existed; the triggers are remade by install().
      await this.writer.query("ALTER TABLE _changelog_head ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0");
    }
    await this.loadLayouts();
  }

  async installTriggers(schema: DatabaseSchema, options: InstallOptions = {}): Promise<void> {
    if (!this.prepared) await this.preparePluginTables(schema);
    this.schema = schema;
    const statements: string[] = [];
    const wanted = new Set(schema.tables.map((t) => t.name));
    const keep = new Set<string>();
    for (const [table, columns] of this.layouts) {
      const current = schema.tables.find((t) => t.name === table)?.columns.map((c) => c.name);
      const changed = !current || current.join("\u0000") !== columns.join("\u0000");
      if (changed && options.keepFilledOutboxes && await this.holdsRows(table)) {
        keep.add(table);
        continue;
      }
      // Emptied by the drain before install; a new layout needs a new outbox.
      if (changed) statements.push(`DROP TABLE ${q(outboxOf(table))}`);
      if (!wanted.has(table)) statements.push(...OPS.map((o) => `DROP TRIGGER IF EXISTS ${q(triggerName(table, o.op))}`));
    }
    for (const table of schema.tables) {
      if (keep.has(table.name)) continue;
      const columns = table.columns.map((c) => c.name);
      const layout = this.layouts.get(table.name);
      if (!layout || layout.join("\u0000") !== columns.join("\u0000")) statements.push(outboxTableSql(table.name, columns));
      // Capture order, for paging through a transaction of any size (an older outbox had an index on _seq alone).
      statements.push(`DROP INDEX IF EXISTS ${q(`${outboxOf(table.name)}_seq`)}`, outboxIndexSql(table.name));
      statements.push(...triggerSql(table.name, columns));
    }
    await this.inTransaction(statements);
    await this.loadLayouts();
  }

  private async holdsRows(table: string): Promise<boolean> {
    const rows: unknown[] = await this.writer.query(`SELECT 1 FROM ${q(outboxOf(table))} LIMIT 1`);
    return rows.length > 0;
  }

  async pendingTransactions(afterSeq: number): Promise<number> {
    const rows: { n: number }[] = await this.reader.query("SELECT count(*) AS n FROM _changelog_tx WHERE seq > ?", [afterSeq]);
    return Number(rows[0]?.n ?? 0);
  }

  identity(): Promise<DatabaseIdentity | null> {
    return readDatabaseIdentity(this.writer, "sqlite");
  }

  bindStore(storeId: string, storePath: string): Promise<void> {
    return bindDatabaseToStore(this.writer, "sqlite", storeId, storePath);
  }

  /** The seal, run in the same driver call as COMMIT; a no-op when the transaction captured nothing. */
  sealSql(now: number): string {
    // Kept tiny: SQLite prepares it again at every commit.
    return `UPDATE _changelog_head SET seq = seq + 1, at = max(at, ${Math.floor(now)}), dirty = 0 WHERE dirty = 1`;
  }

  async sealOrphans(): Promise<void> {
    await this.writer.query(this.sealSql(Date.now()));
  }

  async *committedFrames(afterSeq: number, limits: ReadLimits): AsyncGenerator<Frame> {
    const commits: { seq: number; at: number }[] = await this.reader.query(
      "SELECT seq, at FROM _changelog_tx WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limits.transactions]);
    if (commits.length === 0 || this.layouts.size === 0) return;
    const upTo = commits[commits.length - 1].seq;
    const at = new Map(commits.map((c) => [c.seq, c.at]));
    // Which outbox tables hold rows of these transactions, then only those:
    // a single UNION ALL reading them all is a statement so large that
    // preparing it costs more than running it.
    const probes = [...this.layouts.keys()].map((t) =>
      `SELECT ${quoteLiteral(t, "sqlite")} AS t WHERE EXISTS (SELECT 1 FROM ${q(outboxOf(t))} WHERE _seq > ? AND _seq <= ?)`);
    const dirty: { t: string }[] = await this.reader.query(probes.join(" UNION ALL "), probes.flatMap(() => [afterSeq, upTo]));
    const tables = dirty.map(({ t }): [string, string[]] => [t, this.layouts.get(t) as string[]]);
    yield* framesFromChanges(committedChanges(this.reader, tables, afterSeq, upTo, at), this.requireSchema(), limits.changesPerFrame);
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

  async close(): Promise<void> {
    if (this.reader !== this.writer && this.reader.isInitialized) await this.reader.destroy();
  }

  private async loadLayouts(): Promise<void> {
    const tables: { name: string }[] = await this.writer.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?", [OUTBOX_PREFIX.length, OUTBOX_PREFIX]);
    this.layouts = new Map();
    for (const { name } of tables) {
      const info: { name: string }[] = await this.writer.query(`PRAGMA table_info(${q(name)})`);
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
