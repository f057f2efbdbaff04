/**
 * What a database's catalog says, read with plain functions on anything
 * that runs a query (a DataSource, or a QueryRunner inside a transaction,
 * which sees the tables that transaction created): the columns and keys of
 * tables, which tables exist, which are the app's. No entity classes: any
 * schema works.
 */
import type { DataSource } from "typeorm";
import { quoteIdent as q } from "./sql";
import type { ColumnSchema, DatabaseSchema, Engine, TableSchema } from "./types";

/** A DataSource or a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export async function rowsOf<T>(db: Queryable, sql: string, parameters?: unknown[]): Promise<T[]> {
  return (await db.query(sql, parameters)) as T[];
}

/** The plugin's own tables (head, outbox, identity) are named so; they are never the app's. */
export const PLUGIN_TABLE_PREFIX = "_changelog_";

/** Columns (declared types, lower case), and primary key of each table; a table without one is keyed by all its columns. */
export async function readSchema(db: Queryable, engine: Engine, tables: string[]): Promise<DatabaseSchema> {
  return { engine, tables: engine === "sqlite" ? await sqliteTables(db, tables) : await postgresTables(db, tables) };
}

async function sqliteTables(db: Queryable, tables: string[]): Promise<TableSchema[]> {
  const result: TableSchema[] = [];
  for (const name of tables) {
    const info = await rowsOf<{ name: string; type: string; notnull: number; pk: number }>(db, `PRAGMA table_info(${q(name)})`);
    const columns: ColumnSchema[] = info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), nullable: c.notnull === 0 && c.pk === 0 }));
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    // A table without a declared key is still captured; its identity is its whole row.
    result.push({ name, columns, primaryKey: primaryKey.length ? primaryKey : columns.map((c) => c.name) });
  }
  return result;
}

async function postgresTables(db: Queryable, tables: string[]): Promise<TableSchema[]> {
  const columns = await rowsOf<{ tbl: string; name: string; type: string; nullable: boolean }>(db,
    `SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`, [tables]);
  const keys = await rowsOf<{ tbl: string; name: string }>(db,
    `SELECT c.relname AS tbl, a.attname AS name
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE i.indisprimary AND n.nspname = current_schema() AND c.relname = ANY($1)
     ORDER BY c.relname, k.ord`, [tables]);
  return tables.map((name) => {
    const cols = columns.filter((c) => c.tbl === name).map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
    const pk = keys.filter((k) => k.tbl === name).map((k) => k.name);
    return { name, columns: cols, primaryKey: pk.length ? pk : cols.map((c) => c.name) };
  });
}

/** Every table of the database (on PostgreSQL, of the current schema; a partitioned table once). */
async function allTables(db: Queryable, engine: Engine): Promise<string[]> {
  const rows = engine === "sqlite"
    ? await rowsOf<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")
    : await rowsOf<{ name: string }>(db,
      `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition`);
  return rows.map((r) => r.name);
}

/** The tables of `tables` that exist. */
export async function existingTables(db: Queryable, engine: Engine, tables: string[]): Promise<string[]> {
  const present = new Set(await allTables(db, engine));
  return tables.filter((t) => present.has(t));
}

/** Whether the plugin's head table exists: the changelog was attached to the database once. */
export async function hasCapture(db: Queryable, engine: Engine): Promise<boolean> {
  return (await existingTables(db, engine, [`${PLUGIN_TABLE_PREFIX}head`])).length > 0;
}

/**
 * Every user table, for callers that have no entity classes (the CLI): all
 * but TypeORM's own bookkeeping (migrations, typeorm_metadata), the
 * plugin's tables and the engine's.
 */
export async function listUserTables(dataSource: DataSource): Promise<string[]> {
  const skip = new Set([dataSource.options.migrationsTableName ?? "migrations", dataSource.options.metadataTableName ?? "typeorm_metadata"]);
  const engine: Engine = dataSource.options.type === "postgres" ? "postgres" : "sqlite";
  return (await allTables(dataSource, engine)).filter((name) => !skip.has(name) && !name.startsWith(PLUGIN_TABLE_PREFIX)).sort();
}

/**
 * The tables an app's entities live in: entity tables and the junction
 * tables TypeORM manages for many-to-many relations. Views are not data.
 * Single-table-inheritance children share their parent's table.
 */
export function entityTables(dataSource: DataSource): string[] {
  const names = dataSource.entityMetadatas
    .filter((m) => m.tableType !== "view")
    .map((m) => m.tableName)
    .filter((name) => !name.startsWith(PLUGIN_TABLE_PREFIX));
  return [...new Set(names)].sort();
}
