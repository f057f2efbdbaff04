/**
 * Whether loading tables in a given order satisfies their foreign keys row
 * by row: every table a foreign key points to comes earlier (a table outside
 * the export is the target's own business). A self-reference cannot be
 * promised (a child row may come before its parent), nor can anything when
 * the snapshot does not describe its foreign keys.
 */
import type { SchemaDdl } from "../schema/ddl";

export function orderAcceptsForeignKeys(order: readonly string[], ddl: SchemaDdl | undefined): boolean {
  if (!ddl) return false;
  const position = new Map(order.map((name, i) => [name, i]));
  for (const table of ddl.tables) {
    const at = position.get(table.name);
    if (at === undefined) continue;
    for (const fk of table.foreignKeys) {
      const parent = position.get(fk.table);
      if (parent !== undefined && parent >= at) return false;
    }
  }
  return true;
}
