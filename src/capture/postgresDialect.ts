import { captureDdl } from "../schema/captureDdl";
import type { SchemaDdl } from "../schema/ddl";
import { DataSource, QueryRunner } from "typeorm";
import { DatabaseSchema, Frame, Row, TableSchema, tableOf } from "../journal/types";
import { CaptureDialect, ConsistentReader } from "./dialect";
import { framesFromChanges } from "./outbox";
import { parsePgRow } from "./pgRecord";
import { inReadTransaction } from "./readTransaction";

/**
 * PostgreSQL capture. One generic row trigger copies the row text into
 * _changelog_outbox, tagged with the transaction id. A deferred constraint
 * trigger runs once per transaction just before COMMIT: it takes the next
 * sequence number from the one-row head (whose row lock is held until the
 * commit ends, so concurrent committers queue there and sequence order is
 * commit order, without gaps) and records (seq, txid, commit time).
 * A rollback removes outbox rows and sequence number together.
 */
const INSTALL = [
  "CREATE TABLE IF NOT EXISTS _changelog_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, at timestamptz NOT NULL)",
  "INSERT INTO _changelog_head (id, seq, at) VALUES (1, 0, 'epoch') ON CONFLICT DO NOTHING",
  "CREATE TABLE IF NOT EXISTS _changelog_tx (seq bigint PRIMARY KEY, txid bigint NOT NULL, at timestamptz NOT NULL)",
  "CREATE TABLE IF NOT EXISTS _changelog_outbox (id bigserial PRIMARY KEY, txid bigint NOT NULL DEFAULT txid_current(), " +
    "tbl text NOT NULL, op text NOT NULL, old text, new text)",
  "CREATE INDEX IF NOT EXISTS _changelog_outbox_txid ON _changelog_outbox (txid)",
  `CREATE OR REPLACE FUNCTION _changelog_capture() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO _changelog_outbox (tbl, op, old, new) VALUES (TG_TABLE_NAME, left(TG_OP, 1),
       CASE WHEN TG_OP <> 'INSERT' THEN OLD::text END, CASE WHEN TG_OP <> 'DELETE' THEN NEW::text END);
     RETURN NULL;
   END $$`,
  // TRUNCATE fires no row triggers: record every row it is about to remove.
  `CREATE OR REPLACE FUNCTION _changelog_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     EXECUTE format('INSERT INTO _changelog_outbox (tbl, op, old) SELECT %L, ''D'', t::text FROM %I.%I t',
       TG_TABLE_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE FUNCTION _changelog_seal() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE s bigint; t timestamptz;
   BEGIN
     IF current_setting('changelog.sealed_txid', true) = txid_current()::text THEN RETURN NULL; END IF;
     UPDATE _changelog_head SET seq = seq + 1, at = greatest(clock_timestamp(), at) RETURNING seq, at INTO s, t;
     INSERT INTO _changelog_tx (seq, txid, at) VALUES (s, txid_current(), t);
     PERFORM set_config('changelog.sealed_txid', txid_current()::text, true);
     RETURN NULL;
   END $$`,
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '_changelog_seal' AND tgrelid = '_changelog_outbox'::regclass) THEN
       CREATE CONSTRAINT TRIGGER _changelog_seal AFTER INSERT ON _changelog_outbox DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW EXECUTE FUNCTION _changelog_seal();
     END IF;
   END $$`,
];

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function triggerSql(table: TableSchema): string[] {
  const t = ident(table.name);
  return [
    `DROP TRIGGER IF EXISTS _changelog_capture ON ${t}`,
    `CREATE TRIGGER _changelog_capture AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION _changelog_capture()`,
    `DROP TRIGGER IF EXISTS _changelog_truncate ON ${t}`,
    `CREATE TRIGGER _changelog_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION _changelog_truncate()`,
  ];
}

export class PostgresDialect implements CaptureDialect {
  readonly engine = "postgres" as const;
  private schema: DatabaseSchema | null = null;
  private prepared = false;

  constructor(private readonly db: DataSource) {}

  async readSchema(tables: string[]): Promise<DatabaseSchema> {
    const columns: { tbl: string; name: string; type: string; nullable: boolean }[] = await this.db.query(
      `SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`, [tables]);
    const keys: { tbl: string; name: string }[] = await this.db.query(
      `SELECT c.relname AS tbl, a.attname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
       WHERE i.indisprimary AND n.nspname = current_schema() AND c.relname = ANY($1)
       ORDER BY c.relname, k.ord`, [tables]);
    const result: TableSchema[] = tables.map((name) => {
      const cols = columns.filter((c) => c.tbl === name).map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
      const pk = keys.filter((k) => k.tbl === name).map((k) => k.name);
      return { name, columns: cols, primaryKey: pk.length ? pk : cols.map((c) => c.name) };
    });
    return { engine: "postgres", tables: result };
  }

  async prepare(schema: DatabaseSchema): Promise<void> {
    this.schema = schema;
    this.prepared = true;
    await this.inTransaction(INSTALL);
  }

  async install(schema: DatabaseSchema): Promise<void> {
    if (!this.prepared) await this.prepare(schema);
    this.schema = schema;
    await this.inTransaction(schema.tables.flatMap(triggerSql));
  }

  private async inTransaction(statements: string[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      // Two processes attaching at once must not interleave their DDL.
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('stocktake-backup install'))");
      for (const sql of statements) await manager.query(sql);
    });
  }

  async sealOrphans(): Promise<void> {
    // The database seals every transaction itself.
  }

  async readCommitted(afterSeq: number, limit: number): Promise<Frame[]> {
    const rows: { seq: string; at: number; tbl: string; op: string; old: string | null; new: string | null }[] = await this.db.query(
      `WITH t AS (SELECT seq, txid, at FROM _changelog_tx WHERE seq > $1 ORDER BY seq LIMIT $2)
       SELECT t.seq, floor(extract(epoch FROM t.at) * 1000)::float8 AS at, o.tbl, o.op, o.old, o.new
       FROM t JOIN _changelog_outbox o ON o.txid = t.txid ORDER BY t.seq, o.id`, [afterSeq, limit]);
    const schema = this.requireSchema();
    const tables = new Map(schema.tables.map((t) => [t.name, t]));
    const parse = (text: string | null, table: string) => {
      const t = tables.get(table);
      return text === null || !t ? null : parsePgRow(text, t);
    };
    return framesFromChanges(rows.map((r) => ({
      seq: Number(r.seq), at: Number(r.at), table: r.tbl, op: r.op, before: parse(r.old, r.tbl), after: parse(r.new, r.tbl),
    })), schema);
  }

  async headSeq(): Promise<number> {
    const rows: { seq: string }[] = await this.db.query("SELECT seq FROM _changelog_head");
    return Number(rows[0]?.seq ?? 0);
  }

  async firstUnshippedSeq(): Promise<number> {
    const rows: { seq: number | string | null }[] = await this.db.query(
      "SELECT coalesce((SELECT min(seq) FROM _changelog_tx), (SELECT seq + 1 FROM _changelog_head)) AS seq");
    return Number(rows[0]?.seq ?? 1);
  }

  async advanceHead(seq: number): Promise<void> {
    await this.db.query("UPDATE _changelog_head SET seq = $1 WHERE seq < $1", [seq]);
  }

  async prune(seq: number): Promise<void> {
    await this.db.query("DELETE FROM _changelog_outbox o USING _changelog_tx t WHERE o.txid = t.txid AND t.seq <= $1", [seq]);
    await this.db.query("DELETE FROM _changelog_tx WHERE seq <= $1", [seq]);
  }

  captureDdl(tables: string[]): Promise<SchemaDdl> {
    return captureDdl(this.db, tables);
  }

  async dumpTable(table: string): Promise<Row[]> {
    const t = this.requireSchema().tables.find((x) => x.name === table);
    if (!t) throw new Error(`table ${table} is not captured`);
    const rows: { r: string }[] = await this.db.query(
      `SELECT _cl::text AS r FROM ${ident(table)} AS _cl ORDER BY ${t.primaryKey.map((c) => `_cl.${ident(c)}`).join(", ")}`);
    return rows.map((x) => parsePgRow(x.r, t));
  }

  async readConsistent<T>(fn: (reader: ConsistentReader) => Promise<T>, schema: DatabaseSchema = this.requireSchema()): Promise<T> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      // One MVCC snapshot for every statement: the head and the rows show the
      // same set of committed transactions. Committers queue on the head's
      // row lock, so a visible seq means every earlier seq is visible too.
      return await inReadTransaction(runner, "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", async () => {
        // TRUNCATE is not MVCC-safe: a snapshot that began before a concurrent
        // TRUNCATE committed sees the table empty. Locking the tables before
        // the first SELECT (LOCK takes no snapshot) makes TRUNCATE and DDL wait.
        const tables = schema.tables.map((t) => ident(t.name));
        await runner.query(`LOCK TABLE ${[...tables, "_changelog_head"].join(", ")} IN ACCESS SHARE MODE`);
        const head: { seq: string; at: number }[] = await runner.query(
          "SELECT seq, floor(extract(epoch FROM at) * 1000)::float8 AS at FROM _changelog_head");
        return fn({
          seq: Number(head[0]?.seq ?? 0),
          at: Number(head[0]?.at ?? 0),
          batches: (table, size) => this.keysetBatches(runner, schema, table, size),
        });
      });
    } finally {
      await runner.release();
    }
  }

  /**
   * Pages by primary key: `WHERE (pk) > (last pk) ORDER BY pk LIMIT n`, the
   * last key bound as its text and cast back to the column's type. A table
   * without a primary key pages by ctid, which is stable inside the snapshot.
   */
  private async *keysetBatches(runner: QueryRunner, schema: DatabaseSchema, table: string, size: number): AsyncGenerator<Row[]> {
    const t = tableOf(schema, table);
    const declared: { keyed: boolean }[] = await runner.query(
      "SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = $1::regclass AND indisprimary) AS keyed", [ident(table)]);
    const keys = declared[0]?.keyed
      ? t.primaryKey.map((c) => ({ sql: `_cl.${ident(c)}`, type: t.columns.find((x) => x.name === c)?.type ?? "text" }))
      : [{ sql: "_cl.ctid", type: "tid" }];
    const limit = Math.max(1, Math.floor(size));
    const select = `SELECT _cl::text AS r, ${keys.map((k, i) => `${k.sql}::text AS k${i}`).join(", ")} FROM ${ident(table)} AS _cl`;
    const order = `ORDER BY ${keys.map((k) => k.sql).join(", ")} LIMIT ${limit}`;
    const fetch = (last: (string | null)[] | null): Promise<Record<string, string | null>[]> => {
      const where = last === null ? "" : `WHERE (${keys.map((k) => k.sql).join(", ")}) > (${keys.map((k, i) => `$${i + 1}::${k.type}`).join(", ")})`;
      return runner.query(`${select} ${where} ${order}`, last ?? []);
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

  async close(): Promise<void> {}

  private requireSchema(): DatabaseSchema {
    if (!this.schema) throw new Error("capture schema not installed");
    return this.schema;
  }
}
