/**
 * What the app's entities declare beyond what its database enforces: a
 * column `nullable: false` that a migration never made NOT NULL, a relation
 * with `createForeignKeyConstraints: false`, a `unique` the database lacks.
 * Added to the catalog's rule schema when the DataSource has entity
 * metadata (the API); the CLI opens databases without entities and checks
 * what the catalog says.
 */
import type { DataSource } from "typeorm";
import { dedupe, type RuleForeignKey, type RuleSchema, type RuleTable } from "./ruleSchema";

export function entityConstraints(schema: RuleSchema, ds: DataSource): RuleSchema {
  if (ds.entityMetadatas.length === 0) return schema;
  const tables = schema.tables.map((table): RuleTable => {
    const metas = ds.entityMetadatas.filter((m) => m.tableName === table.name && m.tableType !== "view");
    if (metas.length === 0) return table;
    const has = (c: string) => table.columns.some((x) => x.name === c);
    const notNull = new Set(metas.flatMap((m) => m.columns.filter((c) => !c.isNullable && !c.isVirtual).map((c) => c.databaseName)));
    const uniques = metas.flatMap((m) => [
      ...m.uniques.map((u) => u.columns.map((c) => c.databaseName)),
      ...m.indices.filter((i) => i.isUnique && !i.where).map((i) => i.columns.map((c) => c.databaseName)),
    ]).filter((cols) => cols.length > 0 && cols.every(has));
    const foreignKeys: RuleForeignKey[] = metas.flatMap((m) => [
      ...m.relations.filter((r) => (r.isManyToOne || r.isOneToOneOwner) && r.joinColumns.length > 0).map((r) => ({
        columns: r.joinColumns.map((c) => c.databaseName),
        table: r.inverseEntityMetadata.tableName,
        refColumns: r.joinColumns.map((c) => c.referencedColumn?.databaseName ?? c.databaseName),
      })),
      ...m.foreignKeys.map((f) => ({ columns: f.columnNames, table: f.referencedTablePath.split(".").pop()!, refColumns: f.referencedColumnNames })),
    ]).filter((f) => f.columns.every(has));
    const fkKey = (f: RuleForeignKey) => JSON.stringify([f.columns, f.table, f.refColumns]);
    const seen = new Set(table.foreignKeys.map(fkKey));
    return {
      ...table,
      columns: table.columns.map((c) => (notNull.has(c.name) && !c.notNull ? { ...c, notNull: true } : c)),
      uniques: dedupe([...table.uniques, ...uniques]),
      foreignKeys: [...table.foreignKeys, ...foreignKeys.filter((f) => { const k = fkKey(f); if (seen.has(k)) return false; seen.add(k); return true; })],
    };
  });
  return { ...schema, tables };
}
