/**
 * An old-format JSON backup made the way scripts/backup-restore.js made one
 * (../shared/research/old-scripts.md §4.3): every table under Prisma's
 * delegate name (lower-case first letter, no underscores), each row as
 * Prisma's findMany returns it through JSON.stringify (DateTime as ISO UTC,
 * booleans, Bytes as { type: "Buffer", data }, BigInt and Decimal as text),
 * with its parent rows embedded as objects and its children as lists, in
 * pretty JSON; gzipped too when asked.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { columnKind } from "../../src/db/columnKind";
import type { ColumnValue, DatabaseSchema, Row } from "../../src/db/types";
import type { SchemaDdl } from "../../src/schema";
import type { Dump } from "./restoreSupport";

export const delegateName = (table: string) => (table[0].toLowerCase() + table.slice(1)).replace(/_(.)/g, (_m, c: string) => c.toUpperCase());

function isoOf(text: string): string {
  const at = new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00") : `${text.replace(" ", "T")}Z`);
  return at.toISOString();
}

function prismaValue(value: ColumnValue, type: string, engine: DatabaseSchema["engine"]): unknown {
  if (value === null) return null;
  const kind = columnKind(engine, type);
  if (kind === "bool") return value === true || value === 1;
  if (kind === "timestamp" || kind === "timestamptz") return isoOf(String(value));
  if (/^date$/.test(type) && typeof value === "string") return `${value}T00:00:00.000Z`;
  if (typeof value === "bigint") return value.toString();
  if ((kind === "decimal" || kind === "int8") && engine === "sqlite" && typeof value === "number" && !Number.isInteger(value)) return String(value);
  return value;
}

export function oldBackupOf(dump: Dump, schema: DatabaseSchema, ddl: SchemaDdl, timestamp: string): unknown {
  const prisma = new Map<string, Record<string, unknown>[]>();
  for (const table of schema.tables) {
    prisma.set(table.name, dump[table.name].map((row: Row) =>
      Object.fromEntries(table.columns.map((c) => [c.name, prismaValue(row[c.name], c.type, schema.engine)]))));
  }
  // Relations after all scalars: an embedded row is the parent's plain row, as Prisma's include gives it.
  const withRelations = new Map([...prisma].map(([t, rows]) => [t, rows.map((r) => ({ ...r }))]));
  for (const table of ddl.tables) {
    for (const fk of table.foreignKeys) {
      if (fk.columns.length !== 1 || !prisma.has(fk.table)) continue;
      const parents = new Map(prisma.get(fk.table)!.map((p) => [String(p[fk.refColumns[0]]), p]));
      const children = withRelations.get(table.name)!;
      const relation = `${fk.table}Of${fk.columns[0]}`;
      const list = `${delegateName(table.name)}ListBy${fk.columns[0]}`;
      for (const child of children) child[relation] = parents.get(String(child[fk.columns[0]])) ?? null;
      for (const parent of withRelations.get(fk.table)!) {
        parent[list] = prisma.get(table.name)!.filter((c) => String(c[fk.columns[0]]) === String(parent[fk.refColumns[0]]));
      }
    }
  }
  return {
    metadata: {
      timestamp, version: "1.0.0", database: "stocktake",
      tables: schema.tables.map((t) => ({ name: delegateName(t.name), count: dump[t.name].length })),
    },
    data: Object.fromEntries(schema.tables.map((t) => [delegateName(t.name), withRelations.get(t.name)])),
  };
}

export function writeOldBackup(file: string, backup: unknown): void {
  const text = JSON.stringify(backup, null, 2);
  fs.writeFileSync(file, file.endsWith(".gz") ? zlib.gzipSync(text) : text);
}
