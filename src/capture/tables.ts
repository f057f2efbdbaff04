import { DataSource } from "typeorm";
import { engineOf, PLUGIN_TABLE_PREFIX } from "./dialect";

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

/**
 * Every user table of the database, read from its catalog, for callers that
 * have no entity classes (the CLI): all but TypeORM's own bookkeeping
 * (migrations, typeorm_metadata), the plugin's tables and the engine's.
 * On PostgreSQL, the tables of the current schema; a partitioned table counts
 * once, not per partition.
 */
export async function listUserTables(dataSource: DataSource): Promise<string[]> {
  const skip = new Set([dataSource.options.migrationsTableName ?? "migrations", dataSource.options.metadataTableName ?? "typeorm_metadata"]);
  const rows: { name: string }[] = engineOf(dataSource) === "sqlite"
    ? await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")
    : await dataSource.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition`);
  return rows.map((r) => r.name).filter((name) => !skip.has(name) && !name.startsWith(PLUGIN_TABLE_PREFIX)).sort();
}
