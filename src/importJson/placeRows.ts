/**
 * Where the old backup's rows go in the schema: each key of `data` (Prisma's
 * delegate name, `stocktakeItem`, `order`) onto the table of the same name
 * whatever its case and underscores, each field onto the column of the same
 * name. A field holding an object or a list that is no column is an
 * embedded relation (the old scripts saved each row's parents and children
 * inside it, old-scripts §4.3): redundant, dropped, and counted. What cannot
 * be placed (a table, a scalar field), a count that differs from
 * metadata.tables and a NOT NULL column the backup has no value for are
 * reported; any of them stops the import unless the caller accepts them.
 */
import type { ColumnSchema, ColumnValue, DatabaseSchema, TableSchema } from "../db/types";
import type { PortableColumn, SchemaDdl } from "../schema/ddl";
import { canonicalValue, Misfit } from "./jsonValue";
import type { OldBackup, OldRow } from "./oldBackup";

export interface Placement {
  /** Rows per schema table, values in the schema's column order. */
  rows: Map<string, ColumnValue[][]>;
  report: ImportReport;
}

export interface ImportReport {
  tables: { from: string; to: string; rows: number }[];
  /** Embedded relations dropped: table → field → values dropped. */
  droppedRelations: { table: string; field: string; values: number }[];
  unplacedTables: { name: string; rows: number }[];
  unplacedColumns: { table: string; field: string; rows: number }[];
  countMismatches: { table: string; metadata: number; rows: number }[];
  /** Schema tables the backup holds nothing for: empty in the snapshot. */
  emptyTables: string[];
  /** NOT NULL columns the backup lacks, filled from their default. */
  filled: { table: string; column: string; with: string }[];
}

/** What stops an import: values that do not fit, NOT NULL columns with no value and no default. */
export class PlacementError extends Error {
  constructor(readonly problems: string[]) { super(problems.join("; ")); }
}

const normal = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");
const isRelation = (v: unknown) => typeof v === "object" && v !== null && !(Buffer.isBuffer(v)) && !((v as { type?: unknown }).type === "Buffer");

export function placeRows(backup: OldBackup, schema: DatabaseSchema, ddl: SchemaDdl | undefined): Placement {
  const byNormal = new Map(schema.tables.map((t) => [normal(t.name), t]));
  const report: ImportReport = { tables: [], droppedRelations: [], unplacedTables: [], unplacedColumns: [], countMismatches: [], emptyTables: [], filled: [] };
  const problems: string[] = [];
  const rows = new Map<string, ColumnValue[][]>();
  for (const [name, list] of backup.data) {
    const expected = backup.counts.get(name);
    if (expected !== undefined && expected !== list.length) report.countMismatches.push({ table: name, metadata: expected, rows: list.length });
    const table = schema.tables.find((t) => t.name === name) ?? byNormal.get(normal(name));
    if (!table) { report.unplacedTables.push({ name, rows: list.length }); continue; }
    if (rows.has(table.name)) { problems.push(`data.${name} and another key both map onto table "${table.name}"`); continue; }
    report.tables.push({ from: name, to: table.name, rows: list.length });
    rows.set(table.name, placeTable(name, list, table, schema.engine, ddl?.tables.find((t) => t.name === table.name)?.columns, backup.timestamp, report, problems));
  }
  for (const [name, expected] of backup.counts) {
    if (!backup.data.has(name) && expected > 0) report.countMismatches.push({ table: name, metadata: expected, rows: 0 });
  }
  report.emptyTables = schema.tables.filter((t) => !rows.has(t.name)).map((t) => t.name);
  for (const t of report.emptyTables) rows.set(t, []);
  if (problems.length > 0) throw new PlacementError(problems);
  return { rows, report };
}

function placeTable(from: string, list: OldRow[], table: TableSchema, engine: DatabaseSchema["engine"], described: PortableColumn[] | undefined,
  timestamp: number, report: ImportReport, problems: string[]): ColumnValue[][] {
  const fields = new Map<string, ColumnSchema>();
  const dropped = new Map<string, number>();
  const unplaced = new Map<string, number>();
  const columnByNormal = new Map(table.columns.map((c) => [normal(c.name), c]));
  const present = new Set<string>();
  for (const row of list) {
    for (const [field, value] of Object.entries(row)) {
      if (fields.has(field)) continue;
      const column = table.columns.find((c) => c.name === field) ?? columnByNormal.get(normal(field));
      if (column) { fields.set(field, column); continue; }
      if (isRelation(value)) dropped.set(field, (dropped.get(field) ?? 0) + 1);
      else if (value !== null) unplaced.set(field, (unplaced.get(field) ?? 0) + 1);
    }
  }
  for (const c of fields.values()) present.add(c.name);
  const fills = new Map<string, ColumnValue>();
  for (const column of table.columns) {
    if (present.has(column.name) || column.nullable) continue;
    const fill = fillFor(column, described?.find((d) => d.name === column.name), engine, timestamp);
    if (fill === undefined) problems.push(`table "${table.name}": column "${column.name}" is NOT NULL without a default, and data.${from} has no field for it`);
    else { fills.set(column.name, fill.value); report.filled.push({ table: table.name, column: column.name, with: fill.text }); }
  }
  const out: ColumnValue[][] = [];
  const fieldOf = new Map([...fields].map(([field, column]) => [column.name, field]));
  let misfits = 0;
  for (const [i, row] of list.entries()) {
    const values = table.columns.map((column) => {
      const field = fieldOf.get(column.name);
      if (field === undefined) return fills.get(column.name) ?? null;
      const value = row[field];
      // A relation object or list where a column is expected: count it with the others, never write it.
      try {
        const placed = canonicalValue(value, column, engine);
        if (placed === null && !column.nullable && value === undefined && fills.has(column.name)) return fills.get(column.name)!;
        return placed;
      } catch (e) {
        if (!(e instanceof Misfit)) throw e;
        if (misfits++ < 5) problems.push(`data.${from}[${i}].${field} = ${JSON.stringify(value)?.slice(0, 60)}: ${e.message} (column "${table.name}"."${column.name}" is ${column.type})`);
        return null;
      }
    });
    // A row missing a field other rows have: leaves NULL, which the target's NOT NULL will refuse; say so here.
    for (const [j, column] of table.columns.entries()) {
      if (values[j] === null && !column.nullable && misfits++ < 5) problems.push(`data.${from}[${i}] has no value for NOT NULL column "${table.name}"."${column.name}"`);
    }
    out.push(values);
  }
  if (misfits > 5) problems.push(`${misfits - 5} more value(s) of data.${from} do not fit their columns`);
  for (const [field, values] of dropped) report.droppedRelations.push({ table: table.name, field, values });
  for (const [field, rowsWith] of unplaced) report.unplacedColumns.push({ table: table.name, field, rows: rowsWith });
  return out;
}

function fillFor(column: ColumnSchema, described: PortableColumn | undefined, engine: DatabaseSchema["engine"], timestamp: number): { value: ColumnValue; text: string } | undefined {
  const d = described?.default;
  if (!d || d.kind === "uuid") return undefined;
  const raw: unknown = d.kind === "now" ? new Date(timestamp).toISOString() : d.value;
  try {
    return { value: canonicalValue(raw, column, engine), text: d.kind === "now" ? `the backup's time (${raw as string})` : String(d.value) };
  } catch {
    return undefined;
  }
}
