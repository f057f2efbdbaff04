/**
 * The database's side of store identity (src/storeIdentity.ts): one row in
 * the plugin table _changelog_identity with the database's random id and
 * the store it ships to. Made with the plugin's other tables, never by a
 * command that only reads.
 */
import { randomUUID } from "node:crypto";
import type { Engine } from "../db/types";
import type { DatabaseIdentity } from "../storeIdentity";
import { Queryable } from "../db/catalog";



/** Statements that create the table and its one row (idempotent); the id is made here, not read from anywhere. */
export function identityTableSql(engine: Engine): string[] {
  const id = randomUUID(); // hex digits and dashes only: safe inside a literal
  return engine === "sqlite"
    ? ["CREATE TABLE IF NOT EXISTS _changelog_identity (id INTEGER PRIMARY KEY CHECK (id = 1), database_id TEXT NOT NULL, store_id TEXT, store_path TEXT)",
      `INSERT OR IGNORE INTO _changelog_identity (id, database_id) VALUES (1, '${id}')`]
    : ["CREATE TABLE IF NOT EXISTS _changelog_identity (id int PRIMARY KEY CHECK (id = 1), database_id text NOT NULL, store_id text, store_path text)",
      `INSERT INTO _changelog_identity (id, database_id) VALUES (1, '${id}') ON CONFLICT DO NOTHING`];
}

/** The database's identity; null when the changelog was never attached to it (no table, or no row). */
export async function readDatabaseIdentity(db: Queryable, engine: Engine): Promise<DatabaseIdentity | null> {
  const exists = engine === "sqlite"
    ? await db.query("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = '_changelog_identity'") as unknown[]
    : await db.query("SELECT 1 AS x WHERE to_regclass('_changelog_identity') IS NOT NULL") as unknown[];
  if (exists.length === 0) return null;
  const rows = await db.query("SELECT database_id, store_id, store_path FROM _changelog_identity WHERE id = 1") as
    { database_id: string; store_id: string | null; store_path: string | null }[];
  const row = rows[0];
  return row ? { databaseId: row.database_id, storeId: row.store_id, storePath: row.store_path } : null;
}

/** Records the store the database ships to from now on. */
export async function bindDatabaseToStore(db: Queryable, engine: Engine, storeId: string, storePath: string): Promise<void> {
  const sql = engine === "sqlite"
    ? "UPDATE _changelog_identity SET store_id = ?, store_path = ? WHERE id = 1"
    : "UPDATE _changelog_identity SET store_id = $1, store_path = $2 WHERE id = 1";
  await db.query(sql, [storeId, storePath]);
}
