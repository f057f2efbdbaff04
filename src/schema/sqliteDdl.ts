import { PLUGIN_TABLE_PREFIX } from "../db/catalog";
import { isPlainName } from "./checkDdl";
import { normalizeType, parseColumnType } from "./columnTypes";
import { COLLATIONS, FK_ACTIONS, type ForeignKeyAction, type PortableColumn, type PortableForeignKey, type PortableIndex, type PortableTable, type SchemaDdl } from "./ddl";
import { type Queryable, rowsOf } from "../db/catalog";
import { portableDefault } from "./defaults";
import { describeTable, shown } from "./describe";
import { enumValues, readCreateTable } from "./sqliteCreateText";

/**
 * The description of SQLite tables, from the catalog pragmas (columns,
 * declared types, keys, indexes, foreign keys) and, for what they do not
 * tell (CHECKs, collations, AUTOINCREMENT, generated columns, WITHOUT
 * ROWID), the CREATE TABLE text, read but never replayed. The plugin's
 * outbox tables and triggers are not the app's and are left out; so are the
 * app's own triggers, whose effects the journal already holds.
 */
export async function captureSqliteDdl(q: Queryable, tables: string[]): Promise<SchemaDdl> {
  const created = await rowsOf<{ name: string; sql: string }>(q,
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL");
  const portable: PortableTable[] = [];
  for (const table of tables) {
    if (table.startsWith(PLUGIN_TABLE_PREFIX)) continue;
    const described = await describeTable(table, () => describe(q, table, created.find((o) => o.name === table)?.sql ?? ""));
    if (described) portable.push(described);
  }
  return { engine: "sqlite", tables: portable };
}

async function describe(q: Queryable, table: string, createSql: string): Promise<PortableTable> {
  const text = readCreateTable(createSql);
  const notRecreated: string[] = [];
  const columns = await rowsOf<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(q,
    "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", [table]);
  const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const single = primaryKey.length === 1 ? columns.find((c) => c.name === primaryKey[0])! : null;
  // An INTEGER PRIMARY KEY is the rowid: SQLite fills it in, with or without AUTOINCREMENT (not so with DESC, or WITHOUT ROWID).
  const rowid = single !== null && single.type.toLowerCase() === "integer" && !text.withoutRowid && !text.columns.get(single.name)?.descendingKey ? single.name : null;

  let unsupported: string | undefined;
  const described = columns.map((c): PortableColumn => {
    const type = parseColumnType("sqlite", c.type);
    if (type === null) unsupported ??= `column "${shown(c.name)}" has type ${shown(c.type)}, which a restore does not create`;
    const column: PortableColumn = {
      name: c.name,
      ...(type ? { type: normalizeType(c.type) } : {}),
      notNull: c.notnull === 1,
      default: portableDefault(c.dflt_value),
      autoIncrement: c.name === rowid,
    };
    if (column.autoIncrement) column.generation = text.columns.get(c.name)?.autoincrement ? "autoincrement" : "rowid";
    if (c.dflt_value !== null && column.default === null) notRecreated.push(`default of column "${shown(c.name)}": ${shown(c.dflt_value)}`);
    const written = text.columns.get(c.name);
    for (const check of written?.checks ?? []) {
      const values = enumValues(check, c.name);
      if (values && !column.values) column.values = values;
      else notRecreated.push(`CHECK (${shown(check)}) of column "${shown(c.name)}"`);
    }
    const collation = written?.collation?.toLowerCase();
    if (collation && COLLATIONS.sqlite.includes(collation)) column.collation = collation;
    else if (collation) notRecreated.push(`collation ${shown(collation)} of column "${shown(c.name)}"`);
    return column;
  });
  for (const check of text.tableChecks) notRecreated.push(`CHECK (${shown(check)})`);
  for (const [name, written] of text.columns) {
    if (written.generated !== undefined) notRecreated.push(`generated column "${shown(name)}" AS (${shown(written.generated)}): its values are computed, not kept`);
  }
  if (text.deferrable) notRecreated.push("DEFERRABLE on foreign keys (they are recreated as immediate)");
  if (text.strict) notRecreated.push("the STRICT table option");

  const indexList = await rowsOf<{ name: string; unique: number; origin: string; partial: number }>(q,
    `SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, [table]);
  const uniques: PortableTable["uniques"] = [];
  const indexes: PortableIndex[] = [];
  const indexSql = await rowsOf<{ name: string; sql: string | null }>(q, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]);
  for (const index of indexList) {
    if (index.origin === "pk") continue;
    const keys = await rowsOf<{ name: string | null; desc: number; coll: string }>(q,
      "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", [index.name]);
    // A key column's own collation is what its index takes by default (a UNIQUE over a NOCASE column is NOCASE).
    const collationOf = (column: string) => described.find((c) => c.name === column)?.collation ?? "binary";
    const plain = !index.partial && keys.every((k) => k.name !== null && k.desc === 0 && k.coll.toLowerCase() === collationOf(k.name));
    const names = keys.map((k) => k.name as string);
    if (!plain || !names.every(isPlainName) || (index.origin === "c" && !isPlainName(index.name))) {
      notRecreated.push(`index ${shown(indexSql.find((s) => s.name === index.name)?.sql ?? index.name)}`);
    } else if (index.origin === "u") {
      const named = text.named.find((n) => n.kind === "UNIQUE" && sameColumns(n.columns, names));
      uniques.push({ ...(named ? { name: named.name } : {}), columns: names });
    } else {
      indexes.push({ name: index.name, columns: names, unique: index.unique === 1 });
    }
  }

  const fkRows = await rowsOf<{ id: number; table: string; from: string; to: string | null; on_update: string; on_delete: string }>(q,
    `SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, [table]);
  const foreignKeys: (PortableForeignKey & { id: number })[] = [];
  for (const row of fkRows) {
    let fk = foreignKeys[foreignKeys.length - 1];
    if (!fk || fk.id !== row.id) {
      fk = { id: row.id, columns: [], table: row.table, refColumns: [], onDelete: action(row.on_delete), onUpdate: action(row.on_update) };
      foreignKeys.push(fk);
    }
    fk.columns.push(row.from);
    if (row.to !== null) fk.refColumns.push(row.to);
  }
  for (const fk of foreignKeys) {
    const named = text.named.find((n) => n.kind === "FOREIGN" && sameColumns(n.columns, fk.columns));
    if (named) fk.name = named.name;
    // REFERENCES parent without columns means the parent's primary key.
    if (fk.refColumns.length === 0) {
      const parent = await rowsOf<{ name: string }>(q, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [fk.table]);
      fk.refColumns = parent.map((p) => p.name);
    }
  }

  const primaryName = text.named.find((n) => n.kind === "PRIMARY")?.name;
  return {
    name: table,
    columns: described,
    primaryKey,
    ...(primaryName !== undefined ? { primaryKeyName: primaryName } : {}),
    uniques,
    indexes,
    // SQLite numbers foreign keys from the last declared: in declaration order, they number alike when recreated.
    foreignKeys: foreignKeys.sort((a, b) => b.id - a.id).map(({ id: _id, ...fk }) => fk),
    ...(text.withoutRowid ? { withoutRowid: true } : {}),
    ...(notRecreated.length ? { notRecreated } : {}),
    ...(unsupported ? { unsupported } : {}),
  };
}

function action(text: string): ForeignKeyAction {
  const upper = text.toUpperCase();
  return (FK_ACTIONS as readonly string[]).includes(upper) ? (upper as ForeignKeyAction) : "NO ACTION";
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
