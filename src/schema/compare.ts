import type { DatabaseSchema } from "../db/types";
import { normalizeType } from "./columnTypes";

/**
 * How a database's tables differ from a backup's, one line per table or
 * column, for the SCHEMA_MISMATCH message. Across engines only names are
 * compared (types are converted); on the same engine, declared types too
 * (spelled alike: `decimal(10, 2)` is `decimal(10,2)`).
 * `names` says what the two sides are called in the lines.
 */
export function schemaDifferences(backup: DatabaseSchema, target: DatabaseSchema, names = { backup: "the backup", target: "the target" }): string[] {
  const sameEngine = backup.engine === target.engine;
  const out: string[] = [];
  const targetTables = new Map(target.tables.map((t) => [t.name, t]));
  for (const table of backup.tables) {
    const other = targetTables.get(table.name);
    if (!other || other.columns.length === 0) {
      out.push(`table "${table.name}" is missing in ${names.target}`);
      continue;
    }
    const columns = new Map(other.columns.map((c) => [c.name, c]));
    for (const c of table.columns) {
      const o = columns.get(c.name);
      if (!o) out.push(`column "${table.name}"."${c.name}" is missing in ${names.target}`);
      else if (sameEngine && normalizeType(o.type) !== normalizeType(c.type)) out.push(`column "${table.name}"."${c.name}" is ${o.type} in ${names.target}, ${c.type} in ${names.backup}`);
    }
    for (const o of other.columns) {
      if (!table.columns.some((c) => c.name === o.name)) out.push(`column "${table.name}"."${o.name}" is only in ${names.target}`);
    }
  }
  for (const t of target.tables) {
    if (!backup.tables.some((b) => b.name === t.name)) out.push(`table "${t.name}" is only in ${names.target}`);
  }
  return out;
}
