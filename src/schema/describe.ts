import { isPlainName } from "./checkDdl";
import type { PortableTable } from "./ddl";

/**
 * What both engines' captures do with a described table so that it passes
 * checkDdl.ts when read back: a snapshot must stay readable whatever the
 * source database holds. A table whose name is not a plain name is not
 * described (a restore then cannot create it, and says so); a column name
 * that is not plain makes the table `unsupported`; other names that are not
 * plain are dropped (a constraint keeps no name) or their object reported as
 * not recreated (a foreign key).
 */
export async function describeTable(name: string, describe: () => Promise<PortableTable>): Promise<PortableTable | null> {
  if (!isPlainName(name)) return null;
  const table = await describe();
  const badColumn = table.columns.find((c) => !isPlainName(c.name));
  if (badColumn) {
    return { name, columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [], unsupported: `column name ${shown(JSON.stringify(badColumn.name))} holds a double quote or a control character` };
  }
  const notRecreated = [...table.notRecreated ?? []];
  const foreignKeys = table.foreignKeys.filter((fk) => {
    const plain = isPlainName(fk.table) && fk.refColumns.every(isPlainName) && fk.refColumns.length === fk.columns.length;
    if (!plain) notRecreated.push(`foreign key (${fk.columns.map(shown).join(", ")}) to ${shown(JSON.stringify(fk.table))}`);
    return plain;
  });
  const out: PortableTable = {
    ...table,
    uniques: table.uniques.map(plainNamed),
    foreignKeys: foreignKeys.map(plainNamed),
    columns: table.columns.map((c) => {
      if (c.sequence === undefined || isPlainName(c.sequence)) return c;
      const { sequence: _sequence, ...rest } = c;
      return rest;
    }),
  };
  if (out.primaryKeyName !== undefined && !isPlainName(out.primaryKeyName)) delete out.primaryKeyName;
  if (notRecreated.length) out.notRecreated = notRecreated;
  return out;
}

/** A constraint whose name is not plain keeps no name. */
function plainNamed<T extends { name?: string }>(object: T): T {
  if (object.name === undefined || isPlainName(object.name)) return object;
  const { name: _name, ...rest } = object;
  return rest as T;
}

/** Catalog text as the user sees it in a warning: no control characters, bounded length. */
export function shown(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return flat.length > 300 ? flat.slice(0, 300) + "…" : flat;
}
