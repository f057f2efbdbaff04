import { DataSource } from "typeorm";
import { PLUGIN_TABLE_PREFIX } from "./dialect";

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
