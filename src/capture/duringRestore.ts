/**
 * An in-place restore changes the live database, whose changes the
 * changelog captures: its deletes and inserts must reach the journal like
 * any other transaction, or the journal would stop matching the database
 * (the next restore would replay onto the wrong rows).
 * - PostgreSQL: the load runs with session_replication_role = replica, which
 *   silences every ordinary trigger, capture included. The plugin's triggers
 *   are switched to ENABLE ALWAYS for the transaction and back before it
 *   commits (all transactional DDL). The seal is a deferred trigger, and a
 *   table with pending trigger events cannot be altered, so it is fired
 *   first with SET CONSTRAINTS … IMMEDIATE: the transaction gets its seq then,
 *   and holds the head's row lock until it commits, so seq order stays
 *   commit order.
 * - SQLite: triggers fire regardless; the transaction is sealed just before
 *   its commit, as the plugin's own commit hook does.
 * A database without the plugin's tables needs neither.
 */
import type { DataSource, QueryRunner } from "typeorm";
import { SqliteDialect } from "./sqliteDialect";
import type { DatabaseSchema } from "../db/types";
import { quoteIdent as q } from "../db/sql";

export interface CaptureDuringRestore {
  /** Run inside the load transaction before its first write. */
  begin(runner: QueryRunner): Promise<void>;
  /** Run inside the load transaction after its last write. */
  end(runner: QueryRunner): Promise<void>;
}

const NONE: CaptureDuringRestore = { begin: async () => undefined, end: async () => undefined };

/** Prepared before the load transaction starts (SQLite reads the outbox layouts on its own transaction). */
export async function captureDuringRestore(ds: DataSource, schema: DatabaseSchema): Promise<CaptureDuringRestore> {
  if (schema.engine === "sqlite") {
    const head: unknown[] = await ds.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_changelog_head'");
    if (head.length === 0) return NONE;
    const dialect = new SqliteDialect(ds, ds);
    await dialect.preparePluginTables(schema);
    return { begin: async () => undefined, end: async (runner) => { await runner.query(dialect.sealSql(Date.now())); } };
  }
  const tables: { name: string }[] = await ds.query(
    `SELECT c.relname::text AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE t.tgname = '_changelog_capture' AND n.nspname = current_schema() AND c.relname = ANY($1)`, [schema.tables.map((t) => t.name)]);
  const seal: unknown[] = await ds.query(
    "SELECT 1 FROM pg_trigger WHERE tgname = '_changelog_seal' AND tgrelid = to_regclass('_changelog_outbox')");
  if (tables.length === 0 || seal.length === 0) return NONE;
  const alter = async (runner: QueryRunner, mode: "ENABLE ALWAYS" | "ENABLE") => {
    for (const { name } of tables) await runner.query(`ALTER TABLE ${q(name)} ${mode} TRIGGER _changelog_capture`);
    await runner.query(`ALTER TABLE _changelog_outbox ${mode} TRIGGER _changelog_seal`);
  };
  return {
    begin: (runner) => alter(runner, "ENABLE ALWAYS"),
    async end(runner) {
      await runner.query("SET CONSTRAINTS _changelog_seal IMMEDIATE");
      await alter(runner, "ENABLE");
    },
  };
}
