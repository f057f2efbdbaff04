import { PLUGIN_TABLE_PREFIX } from "../capture/dialect";
import { type PortableForeignKey, type PortableIndex, type PortableTable, type Queryable, rowsOf, type SchemaDdl } from "./ddl";
import { portableDefault } from "./defaults";

/**
 * SQLite keeps the text of every CREATE TABLE and CREATE INDEX in
 * sqlite_master: replaying it reproduces the tables exactly (declared types,
 * inline foreign keys, AUTOINCREMENT, collations, CHECKs). The plugin's
 * outbox tables and triggers are not the app's and are left out; so are the
 * app's own triggers, whose effects the journal already holds.
 */
export async function captureSqliteDdl(q: Queryable, tables: string[]): Promise<SchemaDdl> {
  const wanted = new Set(tables);
  const objects = await rowsOf<{ type: string; name: string; tbl: string; sql: string }>(q,
    "SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL ORDER BY name");
  const mine = objects.filter((o) => wanted.has(o.tbl) && !o.name.startsWith(PLUGIN_TABLE_PREFIX));
  const statements = [
    // In the caller's order, so that a reader sees them as the schema lists them.
    ...tables.map((t) => mine.find((o) => o.type === "table" && o.name === t)?.sql).filter((s): s is string => s !== undefined),
    ...mine.filter((o) => o.type === "index").map((o) => o.sql),
  ];
  const portable: PortableTable[] = [];
  for (const table of tables) portable.push(await describe(q, table, mine.find((o) => o.type === "table" && o.name === table)?.sql ?? ""));
  return { engine: "sqlite", statements, tables: portable };
}

async function describe(q: Queryable, table: string, createSql: string): Promise<PortableTable> {
  const columns = await rowsOf<{ name: string; type: string; dflt_value: string | null; pk: number }>(q,
    "SELECT name, type, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", [table]);
  const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  // An INTEGER PRIMARY KEY is the rowid: SQLite fills it in, with or without AUTOINCREMENT.
  const rowid = primaryKey.length === 1 && columns.find((c) => c.name === primaryKey[0])?.type.toLowerCase() === "integer" ? primaryKey[0] : null;

  const indexList = await rowsOf<{ name: string; unique: number; origin: string; partial: number }>(q,
    `SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, [table]);
  const uniques: string[][] = [];
  const indexes: PortableIndex[] = [];
  for (const index of indexList) {
    if (index.origin === "pk" || index.partial) continue;
    const cols = await rowsOf<{ name: string | null }>(q, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", [index.name]);
    if (cols.some((c) => c.name === null)) continue; // an expression index
    const names = cols.map((c) => c.name as string);
    if (index.origin === "u") uniques.push(names);
    else indexes.push({ name: index.name, columns: names, unique: index.unique === 1 });
  }

  const fkRows = await rowsOf<{ id: number; table: string; from: string; to: string | null; on_update: string; on_delete: string }>(q,
    `SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, [table]);
  const foreignKeys: PortableForeignKey[] = [];
  for (const row of fkRows) {
    let fk = foreignKeys[foreignKeys.length - 1] as (PortableForeignKey & { id?: number }) | undefined;
    if (!fk || fk.id !== row.id) {
      fk = { id: row.id, columns: [], table: row.table, refColumns: [], onDelete: row.on_delete, onUpdate: row.on_update };
      foreignKeys.push(fk);
    }
    fk.columns.push(row.from);
    if (row.to !== null) fk.refColumns.push(row.to);
  }
  for (const fk of foreignKeys as (PortableForeignKey & { id?: number })[]) {
    delete fk.id;
    // REFERENCES parent without columns means the parent's primary key.
    if (fk.refColumns.length === 0) {
      const parent = await rowsOf<{ name: string }>(q, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [fk.table]);
      fk.refColumns = parent.map((p) => p.name);
    }
  }

  return {
    name: table,
    columns: columns.map((c) => ({
      name: c.name,
      default: portableDefault(c.dflt_value),
      autoIncrement: c.name === rowid || (c.name === primaryKey[0] && /autoincrement/i.test(createSql)),
    })),
    primaryKey,
    uniques,
    indexes,
    foreignKeys,
  };
}
