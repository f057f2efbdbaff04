import type { DataSource, QueryRunner } from "typeorm";
import { PostgresDialect } from "../capture/postgresDialect";
import { SqliteDialect } from "../capture/sqliteDialect";
import type { DatabaseSchema } from "../journal/types";
import type { Engine } from "./ddl";

/**
 * The capture dialect's readSchema, run on a QueryRunner: inside a load
 * transaction, tables created by it are visible only to its own connection.
 * readSchema uses nothing of the DataSource but query(), so a stand-in that
 * forwards to the runner is all it needs.
 */
export async function readSchemaOn(runner: QueryRunner, engine: Engine, tables: string[]): Promise<DatabaseSchema> {
  const db = { query: (sql: string, parameters?: unknown[]) => runner.query(sql, parameters) } as unknown as DataSource;
  const dialect = engine === "sqlite" ? new SqliteDialect(db, db) : new PostgresDialect(db);
  return dialect.readSchema(tables);
}

/** Tables that exist in the database the runner is connected to, of those asked for. */
export async function existingTables(runner: QueryRunner, engine: Engine, tables: string[]): Promise<string[]> {
  const rows: { name: string }[] = engine === "sqlite"
    ? await runner.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    : await runner.query(
      `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`);
  const present = new Set(rows.map((r) => r.name));
  return tables.filter((t) => present.has(t));
}
