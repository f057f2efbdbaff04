import { quoteIdent } from "../db/sql";
import { DataSource } from "typeorm";
import { Frame } from "../journal/types";
import { DatabaseSchema, TableSchema } from "../db/types";
import { CaptureDialect, InstallOptions } from "./dialect";
import type { DatabaseIdentity } from "../storeIdentity";
import { bindDatabaseToStore, identityTableSql, readDatabaseIdentity } from "./identityTable";
import { type CapturedChange, framesFromChanges, type ReadLimits } from "./outbox";
import { parsePgRow } from "./pgRecord";

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

const PAGE_ROWS = 2000;

function triggerSql(table: TableSchema): string[] {
  const t = quoteIdent(table.name);
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




  async preparePluginTables(schema: DatabaseSchema): Promise<void> {
    this.schema = schema;
    this.prepared = true;
    await this.inTransaction([...INSTALL, ...identityTableSql("postgres")]);
  }

  identity(): Promise<DatabaseIdentity | null> {
    return readDatabaseIdentity(this.db, "postgres");
  }

  bindStore(storeId: string, storePath: string): Promise<void> {
    return bindDatabaseToStore(this.db, "postgres", storeId, storePath);
  }

  /** One generic trigger function parses rows at read time: nothing depends on a table's layout, so nothing waits. */
  async installTriggers(schema: DatabaseSchema, _options: InstallOptions = {}): Promise<void> {
    if (!this.prepared) await this.preparePluginTables(schema);
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

  /**
   * One query, read through a cursor a page at a time: the outbox rows of
   * the next transactions in commit and capture order. A cursor, not keyset
   * pages: the rows of one transaction are found by its txid, and paging
   * inside a transaction of millions of rows would sort them again for
   * every page. The plain BEGIN/COMMIT on a runner of its own raise no
   * TypeORM transaction events, so the subscriber does not wake the shipper.
   */
  async *committedFrames(afterSeq: number, limits: ReadLimits): AsyncGenerator<Frame> {
    const schema = this.requireSchema();
    const tables = new Map(schema.tables.map((t) => [t.name, t]));
    const parse = (text: string | null, table: string) => {
      const t = tables.get(table);
      return text === null || !t ? null : parsePgRow(text, t);
    };
    const runner = this.db.createQueryRunner();
    const after = Math.floor(afterSeq);
    const count = Math.max(1, Math.floor(limits.transactions));
    let inTransaction = false;
    try {
      await runner.query("BEGIN READ ONLY");
      inTransaction = true;
      await runner.query(
        `DECLARE _changelog_ship NO SCROLL CURSOR FOR
         SELECT t.seq, floor(extract(epoch FROM t.at) * 1000)::float8 AS at, o.tbl, o.op, o.old, o.new
         FROM (SELECT seq, txid, at FROM _changelog_tx WHERE seq > ${after} ORDER BY seq LIMIT ${count}) t
         JOIN _changelog_outbox o ON o.txid = t.txid ORDER BY t.seq, o.id`);
      const pages = async function* (): AsyncGenerator<CapturedChange[]> {
        for (;;) {
          const rows: { seq: string; at: number; tbl: string; op: string; old: string | null; new: string | null }[] =
            await runner.query(`FETCH FORWARD ${PAGE_ROWS} FROM _changelog_ship`);
          yield rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), table: r.tbl, op: r.op, before: parse(r.old, r.tbl), after: parse(r.new, r.tbl) }));
          if (rows.length < PAGE_ROWS) return;
        }
      };
      yield* framesFromChanges(pages(), schema, limits.changesPerFrame);
      await runner.query("COMMIT");
      inTransaction = false;
    } finally {
      // A consumer that stopped early, or a failure: the read has nothing to keep.
      if (inTransaction) await runner.query("ROLLBACK").catch(() => undefined);
      await runner.release();
    }
  }

  async pendingTransactions(afterSeq: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query("SELECT count(*) AS n FROM _changelog_tx WHERE seq > $1", [afterSeq]);
    return Number(rows[0]?.n ?? 0);
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

  async close(): Promise<void> {}

  private requireSchema(): DatabaseSchema {
    if (!this.schema) throw new Error("capture schema not installed");
    return this.schema;
  }
}
